// Webhooks the sandbox sends (status callbacks, incoming messages): form-encoded POSTs signed
// with X-Twilio-Signature over the URL as given and the exact parameters sent (C.7).
//
// Retries (C.9): Twilio documents no automatic schedule, only "connection overrides" in the
// URL fragment; `rc` (retry count, 0–5) defaults to 1. The sandbox honours `#rc=N`, retries
// after connection errors, timeouts and 5xx, waiting `retryBaseMs`, then twice that, and so on.
// The fragment is never sent, so it is not part of the signed URL.
import { randomUUID } from 'node:crypto';
import { RetryingCallbackSender, type CallbackAttemptBase } from '../kit/callback-sender.js';
import type { Scheduler } from '../kit/scheduler.js';
import { formParams, twilioSignature } from '../../providers/twilio/signature.js';

export type CallbackKind = 'status' | 'inbound';

export interface CallbackAttempt extends CallbackAttemptBase {
  kind: CallbackKind;
  /** The URL posted to (without fragment). */
  url: string;
  accountSid: string;
  messageSid: string;
  /** The parameters sent, in order. */
  params: Record<string, string>;
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

export class CallbackSender extends RetryingCallbackSender<CallbackAttempt> {
  constructor(scheduler: Scheduler, policy: CallbackPolicy) {
    super(scheduler, { ...policy, isRetryable, keepResponseChars: MAX_RESPONSE_CHARS });
  }

  /** Sends `callback` now and schedules its retries; resolves with the first attempt. */
  send(callback: Callback): Promise<CallbackAttempt> {
    const { url, retries } = connectionOverrides(callback.url);
    const body = new URLSearchParams(callback.params).toString();
    // Retries of one webhook share its token; each new webhook gets its own.
    const token = randomUUID();
    return this.deliver({
      url,
      body,
      maxAttempts: retries + 1,
      headers: () => ({
        'content-type': 'application/x-www-form-urlencoded',
        'user-agent': 'TwilioProxy/1.1',
        'i-twilio-idempotency-token': token,
        // Signed over what the receiver will decode, so it can check exactly that.
        'x-twilio-signature': twilioSignature(callback.authToken, url, formParams(body)),
      }),
      describe: () => ({
        kind: callback.kind,
        url,
        accountSid: callback.accountSid,
        messageSid: callback.messageSid,
        params: Object.fromEntries(callback.params),
      }),
    });
  }
}
