// Outbound callbacks (delivery reports, inbound messages) with Sinch's documented retry policy
// (provider-apis.md A.10): 5xx and 429 are retried after 5 s, 10 s, 20 s, ... (doubling); other
// 4xx are not. Network errors and timeouts are retried like 5xx. Each attempt is signed afresh
// over the exact bytes sent, when the service plan has a signing secret (A.9).
import { Agent, request } from 'undici';
import { signSinchCallback } from '../../sinch/signature.js';
import type { Scheduler } from './scheduler.js';
import { appendBounded } from './store.js';

export type CallbackKind = 'recipient_delivery_report' | 'batch_delivery_report' | 'inbound';

export interface CallbackAttempt {
  kind: CallbackKind;
  url: string;
  servicePlanId: string;
  batchId?: string;
  /** The parsed payload, for assertions. */
  payload: Record<string, unknown>;
  /** The exact bytes sent. */
  body: string;
  headers: Record<string, string>;
  /** 1 for the first try. */
  attempt: number;
  /** HTTP status of the answer; null when no answer came (connection error, timeout). */
  status: number | null;
  error?: string;
  at: string;
}

export interface CallbackPolicy {
  /** Delay before the first retry; doubles for each later one (Sinch: 5000). */
  retryBaseMs: number;
  /** Tries in all, the first included. */
  maxAttempts: number;
  /** Per-attempt limit for the receiver's answer. */
  timeoutMs: number;
  /** Attempts kept in the log. */
  logLimit: number;
}

export interface Callback {
  kind: CallbackKind;
  url: string;
  servicePlanId: string;
  batchId?: string;
  payload: Record<string, unknown>;
  signingSecret?: string;
}

export function isRetryable(status: number | null): boolean {
  return status === null || status === 429 || status >= 500;
}

export class CallbackSender {
  readonly log: CallbackAttempt[] = [];
  private readonly agent = new Agent({ keepAliveTimeout: 1000 });

  constructor(
    private readonly scheduler: Scheduler,
    private readonly policy: CallbackPolicy,
  ) {}

  /** Sends `callback` now and schedules its retries; resolves with the first attempt. */
  send(callback: Callback): Promise<CallbackAttempt> {
    const body = JSON.stringify(callback.payload);
    return this.scheduler.track(this.attempt(callback, body, 1));
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private async attempt(callback: Callback, body: string, attempt: number): Promise<CallbackAttempt> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      ...(callback.signingSecret ? signSinchCallback(callback.signingSecret, body) : {}),
    };
    const record: CallbackAttempt = {
      kind: callback.kind,
      url: callback.url,
      servicePlanId: callback.servicePlanId,
      batchId: callback.batchId,
      payload: callback.payload,
      body,
      headers,
      attempt,
      status: null,
      at: new Date().toISOString(),
    };
    try {
      const res = await request(callback.url, {
        method: 'POST',
        headers,
        body,
        dispatcher: this.agent,
        headersTimeout: this.policy.timeoutMs,
        bodyTimeout: this.policy.timeoutMs,
      });
      await res.body.dump();
      record.status = res.statusCode;
    } catch (error) {
      record.error = error instanceof Error ? error.message : String(error);
    }
    appendBounded(this.log, record, this.policy.logLimit);
    if (isRetryable(record.status) && attempt < this.policy.maxAttempts) {
      const delay = this.policy.retryBaseMs * 2 ** (attempt - 1);
      this.scheduler.after(delay, () => this.attempt(callback, body, attempt + 1));
    }
    return record;
  }
}
