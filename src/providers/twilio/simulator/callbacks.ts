// Webhooks the sandbox sends (status callbacks, incoming messages): form-encoded POSTs signed
// with X-Twilio-Signature over the URL as given and the exact parameters sent (C.7).
//
// Retries (C.9): Twilio documents no automatic schedule, only "connection overrides" in the
// URL fragment; `rc` (retry count, 0–5) defaults to 1. The sandbox honours `#rc=N`, retries
// after connection errors, timeouts and 5xx, waiting `retryBaseMs`, then twice that, and so on.
// The fragment is never sent, so it is not part of the signed URL.
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'undici';
import { formParams, twilioSignature } from '../signature.js';
import { appendBounded, type Scheduler } from './scheduler.js';

export type CallbackKind = 'status' | 'inbound';

export interface CallbackAttempt {
  kind: CallbackKind;
  /** The URL posted to (without fragment). */
  url: string;
  accountSid: string;
  messageSid: string;
  /** The parameters sent, in order. */
  params: Record<string, string>;
  /** The exact bytes sent. */
  body: string;
  headers: Record<string, string>;
  /** 1 for the first try. */
  attempt: number;
  /** HTTP status of the answer; null when no answer came (connection error, timeout). */
  status: number | null;
  /** The receiver's answer (first 4 KiB), e.g. TwiML for incoming messages. */
  responseBody?: string;
  error?: string;
  at: string;
}

export interface Callback {
  kind: CallbackKind;
  /** As configured, possibly with a `#rc=…` fragment. */
  url: string;
  accountSid: string;
  messageSid: string;
  params: [string, string][];
  authToken: string;
}

export interface CallbackPolicy {
  retryBaseMs: number;
  /** Per-attempt limit for the receiver's answer. */
  timeoutMs: number;
  logLimit: number;
}

export const DEFAULT_RETRY_COUNT = 1;
const MAX_RETRY_COUNT = 5;
const MAX_RESPONSE_CHARS = 4096;

/** `url` without its fragment, and the retry count the fragment asks for. */
export function connectionOverrides(url: string): { url: string; retries: number } {
  const hash = url.indexOf('#');
  if (hash < 0) return { url, retries: DEFAULT_RETRY_COUNT };
  const rc = new URLSearchParams(url.slice(hash + 1)).get('rc');
  const n = rc !== null && /^\d+$/.test(rc) ? Math.min(Number(rc), MAX_RETRY_COUNT) : DEFAULT_RETRY_COUNT;
  return { url: url.slice(0, hash), retries: n };
}

export function isRetryable(status: number | null): boolean {
  return status === null || status >= 500;
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
    const { url, retries } = connectionOverrides(callback.url);
    const body = new URLSearchParams(callback.params).toString();
    // Retries of one webhook share its token; each new webhook gets its own.
    const token = randomUUID();
    return this.scheduler.track(this.attempt(callback, url, body, token, 1, retries + 1));
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private async attempt(callback: Callback, url: string, body: string, token: string, attempt: number, maxAttempts: number): Promise<CallbackAttempt> {
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      'user-agent': 'TwilioProxy/1.1',
      'i-twilio-idempotency-token': token,
      // Signed over what the receiver will decode, so it can check exactly that.
      'x-twilio-signature': twilioSignature(callback.authToken, url, formParams(body)),
    };
    const record: CallbackAttempt = {
      kind: callback.kind,
      url,
      accountSid: callback.accountSid,
      messageSid: callback.messageSid,
      params: Object.fromEntries(callback.params),
      body,
      headers,
      attempt,
      status: null,
      at: new Date().toISOString(),
    };
    try {
      const res = await request(url, {
        method: 'POST',
        headers,
        body,
        dispatcher: this.agent,
        headersTimeout: this.policy.timeoutMs,
        bodyTimeout: this.policy.timeoutMs,
      });
      record.status = res.statusCode;
      record.responseBody = (await res.body.text()).slice(0, MAX_RESPONSE_CHARS);
    } catch (error) {
      record.error = error instanceof Error ? error.message : String(error);
    }
    appendBounded(this.log, record, this.policy.logLimit);
    if (isRetryable(record.status) && attempt < maxAttempts) {
      const delay = this.policy.retryBaseMs * 2 ** (attempt - 1);
      this.scheduler.after(delay, () => this.attempt(callback, url, body, token, attempt + 1, maxAttempts));
    }
    return record;
  }
}
