// HTTP pieces every adapter's send (and the Conversation API token client) shares: one bounded
// POST, Retry-After, network failures as retries, and comments that never carry a secret.
import { clean } from '../core/redact.js';
import { request, type Dispatcher } from 'undici';
import { ADDRESS_REFUSED } from './guarded-connector.js';
import type { SendResult } from './types.js';

/** Error bodies are short; anything longer is cut so a misbehaving proxy cannot bloat events. */
export const MAX_BODY_BYTES = 64 * 1024;
export type RetryResult = Extract<SendResult, { kind: 'retry' }>;
export type RefusedResult = Extract<SendResult, { kind: 'refused' }>;
export type UnknownResult = Extract<SendResult, { kind: 'unknown' }>;
export type ResponseHeaders = Record<string, string | string[] | undefined>;

/** A provider's answer: its status line decides, the (capped) text explains. */
export interface HttpAnswer {
  statusCode: number;
  headers: ResponseHeaders;
  text: string;
}

export interface RequestOptions {
  pool: Dispatcher;
  /** The `Authorization` header value; unset for providers whose credential travels in the body (CM.com). */
  authorization?: string;
  signal?: AbortSignal;
  /** Header and body timeout. */
  timeoutMs: number;
}

export interface PostOptions extends RequestOptions {
  contentType: string;
  body: string;
}

/**
 * POSTs `body` (asking for JSON back) and reads at most MAX_BODY_BYTES of the answer. Throws on network errors,
 * timeouts and aborts (see `sendFailure`). A body that breaks off mid-way reads as '': the
 * status line decides, so an accepted message never turns into a retry (and a duplicate).
 */
export function postCapped(url: string, options: PostOptions): Promise<HttpAnswer> {
  return requestCapped(url, 'POST', options, { 'content-type': options.contentType }, options.body);
}

/** GETs `url` (asking for JSON back), reading at most MAX_BODY_BYTES of the answer. Throws as postCapped does. */
export function getCapped(url: string, options: RequestOptions): Promise<HttpAnswer> {
  return requestCapped(url, 'GET', options, {}, undefined);
}

async function requestCapped(url: string, method: 'GET' | 'POST', options: RequestOptions, headers: Record<string, string>, body: string | undefined): Promise<HttpAnswer> {
  const res = await request(url, {
    dispatcher: options.pool,
    method,
    headers: { ...(options.authorization !== undefined ? { authorization: options.authorization } : {}), accept: 'application/json', ...headers },
    body,
    signal: options.signal,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  const text = await readCapped(res.body).catch(() => '');
  return { statusCode: res.statusCode, headers: res.headers, text };
}

/** Reads at most MAX_BODY_BYTES and always releases the socket. */
export async function readCapped(body: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<string> {
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

export function isSuccessStatus(statusCode: number): boolean {
  return statusCode >= 200 && statusCode < 300;
}

/** 429 and 5xx: the provider may well take the same request later. */
export function isRetryableStatus(statusCode: number): boolean {
  return statusCode === 429 || statusCode >= 500;
}

/** `Retry-After` as seconds or an HTTP date (RFC 9110); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, nowMs = Date.now()): number | undefined {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** A `retry` for an HTTP answer, with the wait its `Retry-After` header asks for, if readable. */
export function retryAfterAnswer(statusCode: number, headers: ResponseHeaders, error: string, comment: string): RetryResult {
  const retryAfterMs = parseRetryAfter(headers['retry-after']);
  return { kind: 'retry', statusCode, error, comment, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
}

export type StatusMeanings = Readonly<Record<number, { error: string; comment: string }>>;

/** Error and comment from the status alone: the provider's table of meanings, else `http_NNN` / `HTTP NNN`. */
export function describeStatus(statusCode: number, meanings: StatusMeanings, comment = ''): { error: string; comment: string } {
  const known = meanings[statusCode];
  return { error: known?.error ?? `http_${statusCode}`, comment: comment || known?.comment || `HTTP ${statusCode}` };
}


/** The error code of a failed request: undici's `code`, `aborted`, else `network_error`. */
export function networkErrorCode(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown } | null;
  return typeof e?.code === 'string' && e.code ? e.code : e?.name === 'AbortError' ? 'aborted' : 'network_error';
}

/**
 * Failures that happen before a request is written: no address, no route, no connection. Any
 * other failure (a timeout waiting for the answer, a connection reset or closed mid-request)
 * may come after the provider read the request.
 */
const BEFORE_REQUEST_CODES: ReadonlySet<string> = new Set([
  'ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT',
]);

/** A connection error, timeout or abort of a request that sends nothing (a token, a lookup): worth retrying. `prefix` leads the comment. */
export function networkFailure(err: unknown, secrets: readonly string[], prefix = ''): RetryResult {
  const e = err as { message?: unknown } | null;
  const message = typeof e?.message === 'string' && e.message ? e.message : String(err);
  return { kind: 'retry', statusCode: null, error: networkErrorCode(err), comment: clean(`${prefix}${message}`, secrets) };
}

/**
 * The hub would not connect to the provider's address (link-local, loopback…): nothing was sent,
 * and trying again reaches the same address, so it is a refusal until an admin fixes the URL.
 * Null for any other failure.
 */
export function addressRefusal(err: unknown, secrets: readonly string[], prefix = ''): RefusedResult | null {
  const failure = networkFailure(err, secrets, prefix);
  if (failure.error !== ADDRESS_REFUSED) return null;
  // The integration's own address is the problem, whatever the message: no message goes through.
  return { kind: 'refused', statusCode: null, error: failure.error, comment: failure.comment, fault: 'provider' };
}

/**
 * A failed send request: a refusal when the hub would not connect to the address, a retry when
 * it failed before the request could be written, else an unknown outcome, since the provider
 * may have taken the message before the answer was lost.
 */
export function sendFailure(err: unknown, secrets: readonly string[]): RefusedResult | RetryResult | UnknownResult {
  const refused = addressRefusal(err, secrets);
  if (refused) return refused;
  const failure = networkFailure(err, secrets);
  if (BEFORE_REQUEST_CODES.has(failure.error)) return failure;
  return { kind: 'unknown', statusCode: null, error: failure.error, comment: failure.comment || failure.error };
}

/** Resolves with `work`, or rejects with an AbortError as soon as `signal` aborts. */
export function withSignal<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(abortError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

function abortError(): Error {
  const err = new Error('The operation was aborted');
  err.name = 'AbortError';
  return err;
}
