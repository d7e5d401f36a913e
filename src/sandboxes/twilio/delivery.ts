// The life of a message after it is accepted: its status moves on (sent, then the final one) on
// timers, and each step goes to its StatusCallback (docs/providers/twilio.md C.5). Test numbers
// add slowness, silence, duplicates and reordering.
import { twilioErrorTitle } from '../../providers/twilio/status-map.js';
import type { Scheduler } from '../kit/scheduler.js';
import type { CallbackSender } from './callbacks.js';
import { API_VERSION, rawDlrDoneDate, rfc2822, segments } from './resource.js';
import type { StoredMessage } from './store.js';
import { MESSAGING_SERVICE_SENDER } from './test-numbers.js';
import { isHttpUrl } from './validate.js';

export interface Delays {
  /** From acceptance to the `sent` callback. */
  sentMs: number;
  /** From acceptance to the final callback. */
  finalMs: number;
}

type OutboundStatus = 'sent' | 'delivered' | 'undelivered' | 'failed' | 'read';

interface PlannedCallback {
  delayMs: number;
  status: OutboundStatus;
  errorCode?: number;
  /** False for a callback that repeats or trails the message's status. */
  advances: boolean;
}

function plan(m: StoredMessage, delays: Delays): PlannedCallback[] {
  const b = m.behaviour;
  const early = delays.sentMs * b.delayFactor;
  const late = delays.finalMs * b.delayFactor;
  const sent = { status: 'sent' as const };
  const final = { status: b.outcome.status, errorCode: b.outcome.errorCode };
  // Not sent at all: one `failed` callback, early.
  if (final.status === 'failed') return [{ delayMs: early, ...final, advances: true }];
  // No report will ever come back from the network: the message stays `sent`.
  if (!m.reports || b.callbacks === 'no-final') return [{ delayMs: early, ...sent, advances: true }];
  switch (b.callbacks) {
    case 'final-first':
      return [
        { delayMs: early, ...final, advances: true },
        { delayMs: late, ...sent, advances: false },
      ];
    case 'duplicate-final':
      return [
        { delayMs: early, ...sent, advances: true },
        { delayMs: late, ...final, advances: true },
        { delayMs: late + early, ...final, advances: false },
      ];
    default: {
      const events: PlannedCallback[] = [
        { delayMs: early, ...sent, advances: true },
        { delayMs: late, ...final, advances: true },
      ];
      if (b.read && final.status === 'delivered') events.push({ delayMs: late + early, status: 'read', advances: true });
      return events;
    }
  }
}

export interface DeliveryContext {
  scheduler: Scheduler;
  sender: CallbackSender;
  delays: Delays;
  /** The account whose Auth Token signs the message's callbacks; none: no callback. */
  account(accountSid: string): { authToken: string } | undefined;
}

export class DeliverySimulator {
  /** The latest status callback of each message, so the next one can wait for it. */
  private readonly lastCallback = new WeakMap<StoredMessage, Promise<unknown>>();

  constructor(private readonly ctx: DeliveryContext) {}

  /** Schedules the message's status changes and callbacks, counted from now. */
  start(m: StoredMessage): void {
    for (const event of plan(m, this.ctx.delays)) {
      m.timers.push(this.ctx.scheduler.after(event.delayMs, () => this.fire(m, event)));
    }
  }

  /** Moves the message on (unless the callback only repeats or trails) and reports it. */
  private fire(m: StoredMessage, event: PlannedCallback): void {
    const now = new Date();
    const r = m.resource;
    // A Messaging Service picks its sender when the message leaves the queue.
    if (r.from === null) {
      r.from = MESSAGING_SERVICE_SENDER;
      r.num_segments = segments(r.body, Number(r.num_media));
    }
    if (event.advances) {
      r.status = event.status;
      r.date_updated = rfc2822(now);
      if (event.status === 'sent') r.date_sent = rfc2822(now);
      if (event.errorCode !== undefined) {
        r.error_code = event.errorCode;
        r.error_message = twilioErrorTitle(event.errorCode);
      }
    }
    if (!m.statusCallback || !isHttpUrl(m.statusCallback.split('#')[0] ?? '')) return;
    const account = this.ctx.account(m.accountSid);
    if (!account) return;
    const params: [string, string][] = [];
    if (event.errorCode !== undefined) params.push(['ErrorCode', String(event.errorCode)]);
    params.push(['SmsSid', r.sid], ['SmsStatus', event.status], ['MessageStatus', event.status], ['To', r.to]);
    if (r.messaging_service_sid) params.push(['MessagingServiceSid', r.messaging_service_sid]);
    params.push(['MessageSid', r.sid], ['AccountSid', r.account_sid], ['From', r.from], ['ApiVersion', API_VERSION]);
    if (event.status === 'delivered' || event.status === 'undelivered') params.push(['RawDlrDoneDate', rawDlrDoneDate(now)]);
    const callback = {
      kind: 'status' as const,
      url: m.statusCallback,
      accountSid: m.accountSid,
      messageSid: r.sid,
      params,
      authToken: account.authToken,
    };
    // One message's callbacks leave in the order they happen: each waits for the previous
    // one's first attempt, so only the test numbers reorder them (retries may still overtake).
    const previous = this.lastCallback.get(m) ?? Promise.resolve();
    const next = this.ctx.scheduler.track(previous.then(() => this.ctx.sender.send(callback)).catch(() => undefined));
    this.lastCallback.set(m, next);
  }
}
