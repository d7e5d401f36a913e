// The life of a message after it is accepted: the reports its test number (or an upfront
// failure) calls for, each recorded on the message and sent at its time as a MESSAGE_DELIVERY
// callback (docs/providers/sinch-conversation.md B.5). Test numbers add slowness, silence,
// duplicates, reordering and channel switching.
import type { Scheduler } from '../kit/scheduler.js';
import type { CallbackSender } from './callbacks.js';
import { identityDigits, REASON_DESCRIPTIONS, type ReportStatus } from './test-numbers.js';
import type { Delays, SandboxApp, SandboxMessage, SandboxProject } from './types.js';
import type { SendRequest } from './validate.js';

/** Channels that report READ (the SMS and MMS channels have no read receipts). */
const READ_RECEIPT_CHANNELS: ReadonlySet<string> = new Set(['WHATSAPP', 'RCS', 'MESSENGER', 'VIBERBM', 'INSTAGRAM', 'TELEGRAM', 'LINE', 'APPLEBC']);
/** Channels whose identities are MSISDNs: anything but 7–15 digits fails RECIPIENT_INVALID_CHANNEL_IDENTITY. */
const MSISDN_CHANNELS: ReadonlySet<string> = new Set(['WHATSAPP', 'RCS', 'SMS', 'MMS', 'VIBERBM']);
const STATUS_RANK: Readonly<Record<SandboxMessage['status'], number>> = {
  QUEUED: 0,
  QUEUED_ON_CHANNEL: 1,
  SWITCHING_CHANNEL: 1,
  DELIVERED: 2,
  FAILED: 3,
  READ: 3,
};

interface PlannedReport {
  status: ReportStatus;
  reason?: string;
  channel: string;
  /** When it happened on the channel, from acceptance. */
  eventMs: number;
  /** When the callback leaves, from acceptance. */
  sendMs: number;
}

/** A failure decided before the channel sees the message: unknown template, bad identity. */
export function upfrontFailure(app: SandboxApp, request: SendRequest, channel: string, identity: string): string | undefined {
  if (app.templates) {
    for (const ref of request.templates) {
      if (ref.channel !== null && ref.channel !== channel) continue;
      const known = app.templates.find((t) => t.id === ref.template_id);
      if (!known) return 'TEMPLATE_NOT_FOUND';
      if (known.language_code && ref.language_code && known.language_code !== ref.language_code) {
        return 'TEMPLATE_NON_EXISTING_LANGUAGE_OR_VERSION';
      }
    }
  }
  if (MSISDN_CHANNELS.has(channel) && !/^\+?[1-9]\d{6,14}$/.test(identity)) return 'RECIPIENT_INVALID_CHANNEL_IDENTITY';
  return undefined;
}

/** The reports a message will get, from its test number (or an upfront failure). */
function plan(message: SandboxMessage, failure: string | undefined, delays: Delays): PlannedReport[] {
  const b = message.behaviour;
  const f = b.delayFactor;
  const q = delays.queuedMs * f;
  const d = delays.deliveredMs * f;
  const r = delays.readMs * f;
  const channel = message.channel;
  const at = (status: ReportStatus, eventMs: number, reason?: string, on = channel): PlannedReport => ({
    status,
    channel: on,
    eventMs,
    sendMs: eventMs,
    ...(reason ? { reason } : {}),
  });
  let steps: PlannedReport[];
  if (failure) {
    steps = [at('FAILED', q, failure)];
  } else {
    const o = b.outcome;
    switch (o.kind) {
      case 'read':
        steps = [at('QUEUED_ON_CHANNEL', q), at('DELIVERED', d), ...(READ_RECEIPT_CHANNELS.has(channel) ? [at('READ', r)] : [])];
        break;
      case 'delivered':
        steps = [at('QUEUED_ON_CHANNEL', q), at('DELIVERED', d)];
        break;
      case 'failed':
        steps = o.queued ? [at('QUEUED_ON_CHANNEL', q), at('FAILED', d, o.reason)] : [at('FAILED', q, o.reason)];
        break;
      case 'switching': {
        const channels = message.request.channels;
        const step = (d - q) / channels.length;
        steps = channels.map((c, i) => at('SWITCHING_CHANNEL', q + i * step, o.reason, c));
        steps.push(at('FAILED', d, 'NO_CHANNELS_LEFT', channels[channels.length - 1]));
        break;
      }
    }
  }
  switch (b.callbacks) {
    case 'duplicate':
      return steps.flatMap((s) => [s, { ...s, sendMs: s.sendMs + q / 2 }]);
    case 'reversed': {
      // Same channel times, delivered last-first.
      const times = steps.map((s) => s.sendMs);
      return [...steps].reverse().map((s, i) => ({ ...s, sendMs: times[i]! }));
    }
    default:
      return steps;
  }
}

export interface DeliveryContext {
  scheduler: Scheduler;
  sender: CallbackSender;
  delays: Delays;
}

export class DeliverySimulator {
  constructor(private readonly ctx: DeliveryContext) {}

  /** Schedules the message's reports: each is recorded on it when due, then sent unless silenced. */
  deliver(project: SandboxProject, target: SandboxApp, message: SandboxMessage, failure: string | undefined): void {
    const acceptedMs = Date.parse(message.acceptedTime);
    const url = message.request.callbackUrl ?? target.webhookUrl;
    for (const step of plan(message, failure, this.ctx.delays)) {
      this.ctx.scheduler.after(step.sendMs, () => {
        const sentAt = new Date();
        message.reports.push({ status: step.status, channel: step.channel, at: sentAt.toISOString(), ...(step.reason ? { reason: step.reason } : {}) });
        if (STATUS_RANK[step.status] > STATUS_RANK[message.status]) message.status = step.status;
        if (message.behaviour.callbacks === 'none' || !url) return undefined;
        const identity = message.request.identities.find((i) => i.channel === step.channel)?.identity ?? message.identity;
        const payload = {
          app_id: target.appId,
          accepted_time: sentAt.toISOString(),
          // The channel's own time of the event, a little before Sinch got it.
          event_time: new Date(Math.min(acceptedMs + step.eventMs, sentAt.getTime()) - 40).toISOString(),
          project_id: project.projectId,
          message_metadata: message.request.messageMetadata,
          correlation_id: message.request.correlationId,
          message_delivery_report: {
            message_id: message.messageId,
            conversation_id: '',
            status: step.status,
            // MSISDN identities are reported as digits without "+" (B.5 fixture).
            channel_identity: { channel: step.channel, identity: reportedIdentity(step.channel, identity), app_id: '' },
            contact_id: '',
            ...(step.reason
              ? { reason: { code: step.reason, description: REASON_DESCRIPTIONS[step.reason] ?? step.reason, sub_code: 'UNSPECIFIED_SUB_CODE' } }
              : {}),
            metadata: message.request.messageMetadata,
            processing_mode: 'DISPATCH',
          },
        };
        return this.ctx.sender.send({ trigger: 'MESSAGE_DELIVERY', url, appId: target.appId, messageId: message.messageId, payload, secret: target.webhookSecret });
      });
    }
  }
}

/** MSISDN identities go out as digits without "+"; other channels' identities as given. */
export function reportedIdentity(channel: string, identity: string): string {
  return MSISDN_CHANNELS.has(channel) && /^\+?\d+$/.test(identity) ? identityDigits(identity) : identity;
}
