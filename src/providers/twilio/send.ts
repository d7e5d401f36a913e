// Send one message with Twilio's Create Message operation (provider-apis.md C.1–C.4) and
// classify the answer. Only translation happens here: the core decides what to do with
// `retry` and `refused`.
import { request } from 'undici';
import type { OutboundMessage, SendContext, SendResult } from '../types.js';
import { isMessagingServiceSid, messagesUrl, type TwilioConfig, type TwilioSecrets } from './config.js';
import { OPTED_OUT_ERROR_CODE, TOO_MANY_REQUESTS_ERROR_CODE } from './status-map.js';

export interface TwilioSendOptions {
  /** Header and body timeout of the HTTP call. */
  timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 15_000;
/** Twilio takes at most ten `MediaUrl` per message (C.1). */
export const MAX_MEDIA_URLS = 10;
/** Answers are short; anything longer is cut so a misbehaving proxy cannot bloat events. */
const MAX_BODY_BYTES = 64 * 1024;
const MAX_COMMENT_CHARS = 300;

/** The form fields of the Create Message request. */
export function createMessageForm(message: OutboundMessage): URLSearchParams {
  const form = new URLSearchParams();
  form.set('To', message.to);
  // No sender: send none and let Twilio answer (21603) rather than guess one here.
  if (message.from) form.set(isMessagingServiceSid(message.from) ? 'MessagingServiceSid' : 'From', message.from);
  const media = message.channel === 'mms' ? message.media : [];
  // An MMS may be media only; an empty Body with no media is Twilio's to refuse (21602).
  if (message.body !== '' || media.length === 0) form.set('Body', message.body);
  for (const url of media) form.append('MediaUrl', url);
  if (message.statusCallbackUrl) form.set('StatusCallback', message.statusCallbackUrl);
  return form;
}

export async function sendTwilio(
  ctx: SendContext<TwilioConfig, TwilioSecrets>,
  message: OutboundMessage,
  options: TwilioSendOptions = {},
): Promise<SendResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const { api_key_sid: keySid, api_key_secret: keySecret } = ctx.secrets;
  const basic = Buffer.from(`${keySid}:${keySecret}`, 'utf8').toString('base64');
  // Nothing that authenticates may leak into an event's comment.
  const secrets = [keySecret, ctx.secrets.auth_token, basic];

  let statusCode: number;
  let headers: Record<string, string | string[] | undefined>;
  let text: string;
  try {
    const res = await request(messagesUrl(ctx.config), {
      dispatcher: ctx.dispatcher,
      method: 'POST',
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: createMessageForm(message).toString(),
      signal: ctx.signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    statusCode = res.statusCode;
    headers = res.headers;
    // The status line decides; a body that breaks off mid-way must not turn a created message
    // into a retry (and a duplicate SMS).
    text = await readCapped(res.body).catch(() => '');
  } catch (err) {
    return networkFailure(err, secrets);
  }
  return classify(statusCode, headers, text, secrets);
}

/** Reads at most MAX_BODY_BYTES and always releases the socket. */
async function readCapped(body: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= MAX_BODY_BYTES) break;
    }
  } finally {
    body.destroy();
  }
  return Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8');
}

/** Maps an HTTP answer of Create Message to a SendResult. `secrets` never reach the output. */
export function classify(
  statusCode: number,
  headers: Record<string, string | string[] | undefined>,
  text: string,
  secrets: readonly string[] = [],
): SendResult {
  const json = parseJson(text);
  if (statusCode >= 200 && statusCode < 300) {
    // Twilio created the message: never turn this into a retry (that would send twice).
    const sid = isRecord(json) && typeof json['sid'] === 'string' ? json['sid'] : '';
    // `num_segments` is a string, "0" for Messaging Service sends until a sender is chosen (C.2).
    const segments = isRecord(json) ? Number(json['num_segments']) : NaN;
    return {
      kind: 'accepted',
      providerMessageId: sid,
      ...(Number.isInteger(segments) && segments > 0 ? { parts: segments } : {}),
    };
  }

  const body = isRecord(json) ? json : {};
  const code = typeof body['code'] === 'number' || (typeof body['code'] === 'string' && /^\d+$/.test(body['code']))
    ? Number(body['code'])
    : null;
  const message = typeof body['message'] === 'string' ? body['message'] : '';
  const error = code !== null ? String(code) : `http_${statusCode}`;
  const comment = clean(message || (code === null ? text : ''), secrets) || `HTTP ${statusCode}`;

  if (statusCode === 429 || statusCode >= 500 || code === TOO_MANY_REQUESTS_ERROR_CODE) {
    const retryAfterMs = parseRetryAfter(headers['retry-after']);
    return { kind: 'retry', statusCode, error, comment, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
  return { kind: 'refused', statusCode, error, comment, ...(code === OPTED_OUT_ERROR_CODE ? { optedOut: true } : {}) };
}

function networkFailure(err: unknown, secrets: readonly string[]): SendResult {
  const e = err as { code?: unknown; name?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' && e.code ? e.code : e?.name === 'AbortError' ? 'aborted' : 'network_error';
  const message = typeof e?.message === 'string' && e.message ? e.message : String(err);
  return { kind: 'retry', statusCode: null, error: code, comment: clean(message, secrets) || code };
}

/** `Retry-After` as seconds or an HTTP date (RFC 9110); ignored when unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, nowMs = Date.now()): number | undefined {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** Single-line, bounded, and never containing a secret. */
function clean(text: string, secrets: readonly string[]): string {
  let out = text.replace(/\s+/g, ' ').trim();
  for (const secret of secrets) if (secret) out = out.split(secret).join('[redacted]');
  return out.length > MAX_COMMENT_CHARS ? `${out.slice(0, MAX_COMMENT_CHARS - 1)}…` : out;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
