// POSTs a sandbox's callbacks with retries (doubling delays) and a bounded log of every attempt:
// the machinery is the same for every provider; payloads, signing and what counts as retryable
// are the provider's (see each simulator's callbacks.ts).
import { Agent, request } from 'undici';
import { appendBounded } from './history.js';
import type { Scheduler } from './scheduler.js';

/** What every logged callback attempt records; each provider adds what the callback was about. */
export interface CallbackAttemptBase {
  /** The exact bytes sent. */
  body: string;
  headers: Record<string, string>;
  /** 1 for the first try. */
  attempt: number;
  /** HTTP status of the answer; null when no answer came (connection error, timeout). */
  status: number | null;
  /** The receiver's answer (its first `keepResponseChars`), when the sender keeps answers. */
  responseBody?: string;
  error?: string;
  at: string;
}

export interface SenderPolicy {
  /** Delay before the first retry; doubles for each later one. */
  retryBaseMs: number;
  /** Per-attempt limit for the receiver's answer. */
  timeoutMs: number;
  /** Attempts kept in the log. */
  logLimit: number;
  /** Whether an attempt that ended so is tried again. */
  isRetryable(status: number | null): boolean;
  /** Keep this much of the receiver's answer as `responseBody`; unset: the answer is discarded. */
  keepResponseChars?: number;
}

/** One callback, however many attempts it takes. */
export interface Delivery<R extends CallbackAttemptBase> {
  /** Where to POST. */
  url: string;
  /** The exact bytes sent, the same on every attempt. */
  body: string;
  /** Tries in all, the first included. */
  maxAttempts: number;
  /** The attempt's headers, built afresh each time (signatures with a timestamp or nonce). */
  headers(): Record<string, string>;
  /** The provider's fields of each attempt's record (what the callback was about). */
  describe(): Omit<R, keyof CallbackAttemptBase>;
}

export class RetryingCallbackSender<R extends CallbackAttemptBase> {
  readonly log: R[] = [];
  private readonly agent = new Agent({ keepAliveTimeout: 1000 });

  constructor(
    private readonly scheduler: Scheduler,
    private readonly options: SenderPolicy,
  ) {}

  /** Sends `delivery` now and schedules its retries; resolves with the first attempt. */
  deliver(delivery: Delivery<R>): Promise<R> {
    return this.scheduler.track(this.attempt(delivery, 1));
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  private async attempt(delivery: Delivery<R>, attempt: number): Promise<R> {
    const headers = delivery.headers();
    const record = { ...delivery.describe(), body: delivery.body, headers, attempt, status: null, at: new Date().toISOString() } as R;
    try {
      const res = await request(delivery.url, {
        method: 'POST',
        headers,
        body: delivery.body,
        dispatcher: this.agent,
        headersTimeout: this.options.timeoutMs,
        bodyTimeout: this.options.timeoutMs,
      });
      const keep = this.options.keepResponseChars;
      if (keep === undefined) {
        await res.body.dump();
        record.status = res.statusCode;
      } else {
        record.status = res.statusCode;
        record.responseBody = (await res.body.text()).slice(0, keep);
      }
    } catch (error) {
      record.error = error instanceof Error ? error.message : String(error);
    }
    appendBounded(this.log, record, this.options.logLimit);
    if (this.options.isRetryable(record.status) && attempt < delivery.maxAttempts) {
      const delay = this.options.retryBaseMs * 2 ** (attempt - 1);
      this.scheduler.after(delay, () => this.attempt(delivery, attempt + 1));
    }
    return record;
  }
}
