// Callbacks to the app's webhook, signed per attempt over the exact bytes sent (B.7) when the
// app has a webhook secret. Sinch documents only "retries with exponential backoff" (B.8): the
// sandbox retries 5xx, 429, timeouts and connection errors after retryBaseMs, doubling, up to
// maxAttempts tries; other answers end the delivery. The sending is shared with the Sinch SMS
// sandbox (../kit/sinch-callback-sender.ts).
import { SinchCallbackSender, type SinchCallbackPolicy } from '../kit/sinch-callback-sender.js';
import type { CallbackAttemptBase } from '../kit/callback-sender.js';

export interface CallbackAttempt extends CallbackAttemptBase {
  /** The trigger, e.g. MESSAGE_DELIVERY. */
  trigger: string;
  url: string;
  appId: string;
  /** Our (the sandbox's) message id, for delivery reports. */
  messageId?: string;
  /** The parsed payload, for assertions. */
  payload: Record<string, unknown>;
}

export interface Callback {
  trigger: string;
  url: string;
  appId: string;
  messageId?: string;
  payload: Record<string, unknown>;
  secret?: string;
}

export type CallbackPolicy = SinchCallbackPolicy;

export class CallbackSender extends SinchCallbackSender<CallbackAttempt> {
  /** Sends now and schedules the retries; resolves with the first attempt. */
  send(callback: Callback): Promise<CallbackAttempt> {
    const { trigger, url, appId, messageId, payload } = callback;
    return this.postJson(url, payload, callback.secret, () => ({ trigger, url, appId, ...(messageId ? { messageId } : {}), payload }));
  }
}
