// Outbound callbacks (delivery reports, inbound messages) with Sinch's documented retry policy
// (docs/providers/sinch-sms.md A.10): 5xx and 429 are retried after 5 s, 10 s, 20 s, ... (doubling); other
// 4xx are not. Network errors and timeouts are retried like 5xx. Each attempt is signed afresh
// over the exact bytes sent, when the service plan has a signing secret (A.9). The sending is
// shared with the Conversation API sandbox (../kit/sinch-callback-sender.ts).
import { SinchCallbackSender, type SinchCallbackPolicy } from '../kit/sinch-callback-sender.js';
import type { CallbackAttemptBase } from '../kit/callback-sender.js';

export type CallbackKind = 'recipient_delivery_report' | 'batch_delivery_report' | 'inbound';

export interface CallbackAttempt extends CallbackAttemptBase {
  kind: CallbackKind;
  url: string;
  servicePlanId: string;
  batchId?: string;
  /** The parsed payload, for assertions. */
  payload: Record<string, unknown>;
}

export type CallbackPolicy = SinchCallbackPolicy;

export interface Callback {
  kind: CallbackKind;
  url: string;
  servicePlanId: string;
  batchId?: string;
  payload: Record<string, unknown>;
  signingSecret?: string;
}

export class CallbackSender extends SinchCallbackSender<CallbackAttempt> {
  /** Sends `callback` now and schedules its retries; resolves with the first attempt. */
  send(callback: Callback): Promise<CallbackAttempt> {
    const { kind, url, servicePlanId, batchId, payload } = callback;
    return this.postJson(url, payload, callback.signingSecret, () => ({ kind, url, servicePlanId, batchId, payload }));
  }
}
