// How both Sinch sandboxes (SMS, Conversation API) send callbacks: JSON, signed afresh on every
// attempt over the exact bytes sent when there is a secret (A.9, B.7), retried after 429, 5xx,
// timeouts and connection errors with doubling delays (A.10, B.8).
import { RetryingCallbackSender, type CallbackAttemptBase } from './callback-sender.js';
import type { Scheduler } from './scheduler.js';
import { sinchCallbackHeaders } from '../../providers/sinch-signature.js';

export interface SinchCallbackPolicy {
  /** Delay before the first retry; doubles for each later one (Sinch SMS: 5000). */
  retryBaseMs: number;
  /** Tries in all, the first included. */
  maxAttempts: number;
  /** Per-attempt limit for the receiver's answer. */
  timeoutMs: number;
  /** Attempts kept in the log. */
  logLimit: number;
}

export function isRetryable(status: number | null): boolean {
  return status === null || status === 429 || status >= 500;
}

export class SinchCallbackSender<R extends CallbackAttemptBase> extends RetryingCallbackSender<R> {
  constructor(
    scheduler: Scheduler,
    private readonly policy: SinchCallbackPolicy,
  ) {
    super(scheduler, { ...policy, isRetryable });
  }

  /** POSTs `payload` now and schedules its retries; resolves with the first attempt. */
  protected postJson(url: string, payload: Record<string, unknown>, secret: string | undefined, describe: () => Omit<R, keyof CallbackAttemptBase>): Promise<R> {
    const body = JSON.stringify(payload);
    return this.deliver({ url, body, maxAttempts: this.policy.maxAttempts, headers: () => sinchCallbackHeaders(secret, body), describe });
  }
}
