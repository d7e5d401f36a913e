// The life of a batch after it is accepted: each recipient moves Queued → Dispatched → final on
// timers, and delivery reports go to the callback URL as the batch's `delivery_report` asks
// (docs/providers/sinch-sms.md A.7). Test numbers add slowness, silence, duplicates and reordering.
import type { CallbackSender } from './callbacks.js';
import type { Scheduler } from '../kit/scheduler.js';
import type { RecipientState, StoredBatch } from './store.js';
import type { FinalStatus, ReportStatus } from './test-numbers.js';

export interface Delays {
  /** From acceptance (or send_at) to `Dispatched`. */
  dispatchedMs: number;
  /** From acceptance (or send_at) to the final status. */
  finalMs: number;
}

const FINAL: ReadonlySet<ReportStatus> = new Set<FinalStatus>([
  'Delivered', 'Failed', 'Rejected', 'Aborted', 'Expired', 'Unknown', 'Deleted', 'Cancelled',
]);
/** Statuses decided inside Sinch: no SMSC timestamp goes with them. */
const BEFORE_SMSC: ReadonlySet<ReportStatus> = new Set<ReportStatus>(['Queued', 'Aborted', 'Cancelled']);

export const isFinal = (status: ReportStatus): boolean => FINAL.has(status);

export const CODES = { queued: 400, dispatched: 401, cancelled: 407 } as const;

/** How long an SMSC timestamp precedes Sinch's report about it. */
const OPERATOR_LEAD_MS = 150;

interface PlannedEvent {
  delayMs: number;
  status: ReportStatus;
  code: number;
  /** False for a report that repeats or trails the recipient's state (duplicates, late Dispatched). */
  advances: boolean;
  /** `at` to report when it is not the send time (a late Dispatched keeps its original time). */
  atOffsetMs?: number;
}

function plan(r: RecipientState, delays: Delays): PlannedEvent[] {
  const f = r.behaviour.delayFactor;
  const early = delays.dispatchedMs * f;
  const late = delays.finalMs * f;
  const dispatched = { status: 'Dispatched' as const, code: CODES.dispatched };
  const final = { status: r.outcome.status, code: r.outcome.code };

  // Stopped inside Sinch: no Dispatched, the final status comes quickly.
  if (!r.dispatched) return [{ delayMs: early, ...final, advances: true }];
  // No report will ever come back from the network: the message stays Dispatched (and silent).
  if (!r.reports) return [{ delayMs: early, ...dispatched, advances: true }];

  switch (r.behaviour.reports) {
    case 'final-first':
      return [
        { delayMs: early, ...final, advances: true },
        { delayMs: late, ...dispatched, advances: false, atOffsetMs: early / 2 },
      ];
    case 'duplicate-final':
      return [
        { delayMs: early, ...dispatched, advances: true },
        { delayMs: late, ...final, advances: true },
        { delayMs: late + early, ...final, advances: false },
      ];
    default:
      return [
        { delayMs: early, ...dispatched, advances: true },
        { delayMs: late, ...final, advances: true },
      ];
  }
}

export function recipientReport(batch: StoredBatch, r: RecipientState): Record<string, unknown> {
  return {
    type: 'recipient_delivery_report_sms',
    batch_id: batch.batch.id,
    // Recipient reports carry the MSISDN with "+", batch reports without (Sinch SDK fixtures).
    recipient: `+${r.msisdn}`,
    code: r.code,
    status: r.status,
    at: r.at,
    operator_status_at: r.operatorStatusAt,
    client_reference: batch.batch.client_reference,
    number_of_message_parts: batch.batch.max_number_of_message_parts !== undefined ? r.parts : undefined,
  };
}

/** `summary`/`full` report over the given recipients: one entry per (status, code) present. */
export function batchReport(batch: StoredBatch, recipients: RecipientState[], full: boolean): Record<string, unknown> {
  const groups = new Map<string, { code: number; count: number; status: ReportStatus; recipients: string[] }>();
  for (const r of recipients) {
    const key = `${r.status}:${r.code}`;
    const group = groups.get(key) ?? { code: r.code, count: 0, status: r.status, recipients: [] };
    group.count += 1;
    group.recipients.push(r.msisdn);
    groups.set(key, group);
  }
  return {
    type: 'delivery_report_sms',
    batch_id: batch.batch.id,
    client_reference: batch.batch.client_reference,
    statuses: [...groups.values()].map((g) => ({
      code: g.code,
      count: g.count,
      status: g.status,
      recipients: full ? g.recipients : undefined,
    })),
    total_message_count: recipients.length,
  };
}

export interface DeliveryContext {
  scheduler: Scheduler;
  sender: CallbackSender;
  delays: Delays;
  signingSecret(servicePlanId: string): string | undefined;
}

export class DeliverySimulator {
  constructor(private readonly ctx: DeliveryContext) {}

  /** Schedules every recipient's reports, counted from `send_at` when it is in the future. */
  start(batch: StoredBatch): void {
    const now = Date.now();
    const sendAt = batch.batch.send_at ? Date.parse(batch.batch.send_at) : now;
    const startIn = Math.max(0, sendAt - now);
    const origin = now + startIn;
    for (const r of batch.recipients) {
      for (const event of plan(r, this.ctx.delays)) {
        r.timers.push(this.ctx.scheduler.after(startIn + event.delayMs, () => this.fire(batch, r, event, origin)));
      }
    }
  }

  /** Cancels what has not reached the SMSC yet; dispatched messages carry on (A.7 `Cancelled`). */
  cancel(batch: StoredBatch): void {
    for (const r of batch.recipients) {
      if (r.status !== 'Queued') continue;
      for (const timer of r.timers) timer.cancel();
      r.timers = [];
      this.fire(batch, r, { delayMs: 0, status: 'Cancelled', code: CODES.cancelled, advances: true }, Date.now());
    }
  }

  /** Applies `event` to the recipient (unless it only repeats or trails) and reports it. */
  private fire(batch: StoredBatch, r: RecipientState, event: PlannedEvent, origin: number): void {
    const now = Date.now();
    let payload: Record<string, unknown>;
    if (event.advances) {
      r.status = event.status;
      r.code = event.code;
      r.at = new Date(now).toISOString();
      r.operatorStatusAt = BEFORE_SMSC.has(event.status) ? undefined : new Date(now - OPERATOR_LEAD_MS).toISOString();
      payload = recipientReport(batch, r);
      if (isFinal(event.status)) r.finalPayload = payload;
    } else if (isFinal(event.status) && r.finalPayload) {
      payload = r.finalPayload; // the same report once more
    } else {
      const at = origin + (event.atOffsetMs ?? 0);
      payload = {
        ...recipientReport(batch, r),
        code: event.code,
        status: event.status,
        at: new Date(at).toISOString(),
        operator_status_at: new Date(at - OPERATOR_LEAD_MS).toISOString(),
      };
    }

    const mode = batch.batch.delivery_report;
    const notify =
      r.reports &&
      batch.callbackUrl !== undefined &&
      (mode === 'per_recipient' || (mode === 'per_recipient_final' && isFinal(event.status)));
    if (notify) this.post(batch, 'recipient_delivery_report', payload);
    if (event.advances && isFinal(event.status)) this.maybeSendBatchReport(batch);
  }

  /** `summary`/`full`: one report once every recipient that reports has its final status. */
  private maybeSendBatchReport(batch: StoredBatch): void {
    const mode = batch.batch.delivery_report;
    if ((mode !== 'summary' && mode !== 'full') || batch.batchReportSent || !batch.callbackUrl) return;
    const reporting = batch.recipients.filter((r) => r.reports);
    if (reporting.length === 0 || !reporting.every((r) => isFinal(r.status))) return;
    batch.batchReportSent = true;
    this.post(batch, 'batch_delivery_report', batchReport(batch, reporting, mode === 'full'));
  }

  private post(batch: StoredBatch, kind: 'recipient_delivery_report' | 'batch_delivery_report', payload: Record<string, unknown>): void {
    if (!batch.callbackUrl) return;
    // JSON.stringify drops the optional fields left undefined.
    void this.ctx.sender.send({
      kind,
      url: batch.callbackUrl,
      servicePlanId: batch.servicePlanId,
      batchId: batch.batch.id,
      payload: JSON.parse(JSON.stringify(payload)) as Record<string, unknown>,
      signingSecret: this.ctx.signingSecret(batch.servicePlanId),
    });
  }
}
