// Requests of the input parts: sent over a keep-alive pool, answered with status and body, and
// checked against the hub's error contract.
import type { Pool } from 'undici';

export interface RawRequest {
  method: string;
  /** Path and query, sent as given (never re-encoded). */
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

export interface RawAnswer {
  status: number;
  text: string;
  headers: Record<string, string | string[] | undefined>;
}

export async function send(pool: Pool, req: RawRequest): Promise<RawAnswer> {
  const res = await pool.request({
    method: req.method,
    path: req.path,
    headers: req.headers,
    body: req.body,
  });
  const text = await res.body.text();
  return { status: res.statusCode, text, headers: res.headers };
}

/**
 * Why an answer breaks the error contract ("4xx with {"error": {"code", "message"}}, never a
 * 5xx"), or null when it keeps it. HEAD answers carry no body and are only checked for status.
 */
export function contractBreach(method: string, answer: RawAnswer): string | null {
  if (answer.status >= 500) return `answered ${answer.status}`;
  if (answer.status < 400 || method === 'HEAD') return null;
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    return `answered ${answer.status} with a body that is not JSON`;
  }
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  if (!error || typeof error.code !== 'string' || !error.code || typeof error.message !== 'string') {
    return `answered ${answer.status} outside the error shape`;
  }
  return null;
}

/** Failures grouped by kind, each with a count and its first example, so a run does not print 10,000 alike lines. */
export class FailureBook {
  readonly #groups = new Map<string, { count: number; example: string }>();

  add(key: string, example: string): void {
    const g = this.#groups.get(key);
    if (g) g.count++;
    else this.#groups.set(key, { count: 1, example });
  }

  get size(): number {
    return this.#groups.size;
  }

  lines(): string[] {
    return [...this.#groups.entries()].map(([key, g]) => `${key} (×${g.count}); first: ${g.example}`);
  }
}

/** Runs `work` over `items` with at most `concurrency` in flight. */
export async function forEachConcurrent<T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await work(items[i]!, i);
    }
  });
  await Promise.all(lanes);
}

/** A short, printable excerpt of a request body for a failure line. */
export function excerpt(body: string | Buffer | undefined, max = 160): string {
  if (body === undefined) return '(no body)';
  const text = Buffer.isBuffer(body) ? body.toString('latin1') : body;
  const cut = text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
  return JSON.stringify(cut);
}
