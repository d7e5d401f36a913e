// Small HTTP helpers shared by the token client and the send call: bounded bodies, Retry-After,
// network failures as retries, and comments that never carry a secret.
import type { SendResult } from '../types.js';

/** Error bodies are short; anything longer is cut so a misbehaving proxy cannot bloat events. */
export const MAX_BODY_BYTES = 64 * 1024;
const MAX_COMMENT_CHARS = 300;

export type RetryResult = Extract<SendResult, { kind: 'retry' }>;
export type RefusedResult = Extract<SendResult, { kind: 'refused' }>;

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

/** `Retry-After` as seconds or an HTTP date (RFC 9110); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, nowMs = Date.now()): number | undefined {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** Single-line, bounded, and with every given secret replaced by `[redacted]`. */
export function clean(text: string, secrets: readonly string[]): string {
  let out = text.replace(/\s+/g, ' ').trim();
  for (const s of secrets) if (s) out = out.split(s).join('[redacted]');
  return out.length > MAX_COMMENT_CHARS ? `${out.slice(0, MAX_COMMENT_CHARS - 1)}…` : out;
}

/** A connection error, timeout or abort: worth retrying. */
export function networkFailure(err: unknown, secrets: readonly string[], prefix = ''): RetryResult {
  const e = err as { code?: unknown; name?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' && e.code ? e.code : e?.name === 'AbortError' ? 'aborted' : 'network_error';
  const message = typeof e?.message === 'string' && e.message ? e.message : String(err);
  return { kind: 'retry', statusCode: null, error: code, comment: clean(`${prefix}${message}`, secrets) };
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
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
        reject(e);
      },
    );
  });
}

function abortError(): Error {
  const err = new Error('The operation was aborted');
  err.name = 'AbortError';
  return err;
}
