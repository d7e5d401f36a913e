// Callbacks to the app's webhook, signed per attempt over the exact bytes sent (B.7) when the
// app has a webhook secret. Sinch documents only "retries with exponential backoff" (B.8): the
// sandbox retries 5xx, 429, timeouts and connection errors after retryBaseMs, doubling, up to
// maxAttempts tries; other answers end the delivery.
import { Agent, request } from 'undici';
import { signSinchCallback } from '../../sinch/signature.js';
import type { Scheduler } from './scheduler.js';

export interface CallbackAttempt {
  /** The trigger, e.g. MESSAGE_DELIVERY. */
  trigger: string;
  url: string;
  appId: string;
  /** Our (the sandbox's) message id, for delivery reports. */
  messageId?: string;
  /** The parsed payload, for assertions. */
  payload: Record<string, unknown>;
  /** The exact bytes sent. */
  body: string;
  headers: Record<string, string>;
  /** 1 for the first try. */
  attempt: number;
  /** HTTP status of the answer; null when none came (connection error, timeout). */
  status: number | null;
  error?: string;
  at: string;
}

export interface Callback {
  trigger: string;
  url: string;
  appId: string;
  messageId?: string;
  payload: Record<string, unknown>;
  secret?: string;
}

export interface CallbackPolicy {
  retryBaseMs: number;
  maxAttempts: number;
  timeoutMs: number;
  logLimit: number;
}

export const isRetryable = (status: number | null): boolean => status === null || status === 429 || status >= 500;

export class CallbackSender {
  readonly log: CallbackAttempt[] = [];
  private readonly agent = new Agent({ keepAliveTimeout: 1000 });

  constructor(
    private readonly scheduler: Scheduler,
    private readonly policy: CallbackPolicy,
  ) {}

  /** Sends now and schedules the retries; resolves with the first attempt. */
  send(callback: Callback): Promise<CallbackAttempt> {
    return this.scheduler.track(this.attempt(callback, JSON.stringify(callback.payload), 1));
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  private async attempt(callback: Callback, body: string, attempt: number): Promise<CallbackAttempt> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      ...(callback.secret ? signSinchCallback(callback.secret, body) : {}),
    };
    const record: CallbackAttempt = {
      trigger: callback.trigger,
      url: callback.url,
      appId: callback.appId,
      ...(callback.messageId ? { messageId: callback.messageId } : {}),
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
    } catch (err) {
      record.error = err instanceof Error ? err.message : String(err);
    }
    this.log.push(record);
    if (this.log.length > this.policy.logLimit) this.log.splice(0, this.log.length - this.policy.logLimit);
    if (isRetryable(record.status) && attempt < this.policy.maxAttempts) {
      this.scheduler.after(this.policy.retryBaseMs * 2 ** (attempt - 1), () => this.attempt(callback, body, attempt + 1));
    }
    return record;
  }
}
