// Send one message as a Sinch SMS batch (provider-apis.md A.3–A.6) and classify the answer.
// Only translation happens here: the core decides what to do with `retry` and `refused`.
import { request } from 'undici';
import type { OutboundMessage, SendContext, SendResult } from '../types.js';
import { resolveBaseUrl, type SinchSmsConfig, type SinchSmsSecrets } from './config.js';

export interface SinchSmsSendOptions {
  /** Header and body timeout of the HTTP call. */
  timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 15_000;
/** Error bodies are short; anything longer is cut so a misbehaving proxy cannot bloat events. */
const MAX_BODY_BYTES = 64 * 1024;
const MAX_COMMENT_CHARS = 300;

/** Meanings of non-2xx statuses without a `{code,text}` body (A.6), used as error/comment. */
const HTTP_STATUS_ERRORS: Readonly<Record<number, { error: string; comment: string }>> = {
  400: { error: 'bad_request', comment: "Request doesn't conform to the API" },
  401: { error: 'unauthorized', comment: 'Authentication token is invalid for this service plan' },
  403: { error: 'forbidden', comment: 'Syntax valid but cannot be performed' },
  404: { error: 'not_found', comment: 'Invalid path or unknown ID' },
  405: { error: 'method_not_allowed', comment: 'Method not allowed' },
  415: { error: 'unsupported_media_type', comment: 'Missing or unsupported Content-Type' },
  429: { error: 'too_many_requests', comment: 'The user or path has too many outstanding requests' },
  500: { error: 'internal_error', comment: 'Internal error' },
  503: { error: 'service_unavailable', comment: 'Service unavailable' },
};

export function batchRequestBody(
  ctx: SendContext<SinchSmsConfig, SinchSmsSecrets>,
  message: OutboundMessage,
): Record<string, unknown> {
  const from = message.from ?? ctx.config.default_sender;
  const callbackUrl = ctx.webhookUrls['delivery'];
  return {
    to: [message.to],
    // No sender: let Sinch's "Automatic Default Originator" pick, if the account has one.
    ...(from ? { from } : {}),
    body: message.body,
    delivery_report: 'per_recipient',
    ...(callbackUrl ? { callback_url: callbackUrl } : {}),
    client_reference: message.messageId,
  };
}

export async function sendSinchSms(
  ctx: SendContext<SinchSmsConfig, SinchSmsSecrets>,
  message: OutboundMessage,
  options: SinchSmsSendOptions = {},
): Promise<SendResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const token = ctx.secrets.api_token;
  const url = `${resolveBaseUrl(ctx.config)}/xms/v1/${encodeURIComponent(ctx.config.service_plan_id)}/batches`;

  let statusCode: number;
  let headers: Record<string, string | string[] | undefined>;
  let text: string;
  try {
    const res = await request(url, {
      dispatcher: ctx.dispatcher,
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: JSON.stringify(batchRequestBody(ctx, message)),
      signal: ctx.signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    statusCode = res.statusCode;
    headers = res.headers;
    // The status line decides; a body that breaks off mid-way must not turn an accepted
    // batch into a retry (and a duplicate SMS).
    text = await readCapped(res.body).catch(() => '');
  } catch (err) {
    return networkFailure(err, token);
  }
  return classify(statusCode, headers, text, token);
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

export function classify(
  statusCode: number,
  headers: Record<string, string | string[] | undefined>,
  text: string,
  token: string,
): SendResult {
  if (statusCode >= 200 && statusCode < 300) {
    // Sinch created the batch: never turn this into a retry (that would send twice). A body
    // without an id still counts; DLRs correlate through client_reference.
    const json = parseJson(text);
    const id = isRecord(json) && typeof json['id'] === 'string' ? json['id'] : '';
    return { kind: 'accepted', providerMessageId: id };
  }
  const { error, comment } = describeError(statusCode, text, token);
  if (statusCode === 429 || statusCode >= 500) {
    const retryAfterMs = parseRetryAfter(headers['retry-after']);
    return {
      kind: 'retry',
      statusCode,
      error,
      comment,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    };
  }
  return { kind: 'refused', statusCode, error, comment };
}

/** Sinch's `{code,text}` body (A.6); the OAuth front door's `{error:{status,message}}`; else the raw text. */
function describeError(statusCode: number, text: string, token: string): { error: string; comment: string } {
  const json = parseJson(text);
  if (isRecord(json) && typeof json['code'] === 'string' && json['code']) {
    return { error: json['code'], comment: clean(typeof json['text'] === 'string' ? json['text'] : '', token) };
  }
  const inner = isRecord(json) ? json['error'] : undefined;
  if (isRecord(inner) && typeof inner['status'] === 'string' && inner['status']) {
    return { error: inner['status'], comment: clean(typeof inner['message'] === 'string' ? inner['message'] : '', token) };
  }
  const known = HTTP_STATUS_ERRORS[statusCode];
  const comment = clean(text, token);
  return {
    error: known?.error ?? `http_${statusCode}`,
    comment: comment || known?.comment || `HTTP ${statusCode}`,
  };
}

function networkFailure(err: unknown, token: string): SendResult {
  const e = err as { code?: unknown; name?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' && e.code ? e.code : e?.name === 'AbortError' ? 'aborted' : 'network_error';
  const message = typeof e?.message === 'string' && e.message ? e.message : String(err);
  return { kind: 'retry', statusCode: null, error: code, comment: clean(message, token) };
}

/** `Retry-After` as seconds or an HTTP date (RFC 9110); ignored when unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, nowMs = Date.now()): number | undefined {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** Single-line, bounded, and never containing the API token. */
function clean(text: string, token: string): string {
  let out = text.replace(/\s+/g, ' ').trim();
  if (token) out = out.split(token).join('[redacted]');
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
