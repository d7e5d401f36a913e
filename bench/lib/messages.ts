// Queueing messages through the public API (setup, not measured load) and waiting on them.
import type SQLite from 'better-sqlite3';
import type { Api } from './api.js';
import { phone } from './phones.js';
import { pmap, waitFor } from './util.js';

/** POSTs `count` transactional sends to distinct numbers; returns the message ids. */
export async function sendMessages(
  api: Api,
  projectId: string,
  count: number,
  o: { firstPhone: number; body: (i: number) => string; integrationId?: string; concurrency?: number },
): Promise<string[]> {
  const idx = Array.from({ length: count }, (_, i) => i);
  return pmap(idx, o.concurrency ?? 16, async (i) => {
    const m = await api.must<{ id: string }>(
      'POST',
      `/api/v1/projects/${projectId}/messages`,
      { phone: phone(o.firstPhone + i), body: o.body(i), ...(o.integrationId ? { integration_id: o.integrationId } : {}) },
      [202],
    );
    return m.id;
  });
}

/** Waits until no message is queued or being sent (every message has its send outcome). */
export async function waitAllDispatched(db: SQLite.Database, timeoutMs: number): Promise<void> {
  const q = db.prepare(`select count(*) as n from messages where dispatch_state in ('queued', 'sending')`);
  await waitFor('all messages to be dispatched', () => ((q.get() as { n: number }).n === 0 ? true : undefined), timeoutMs, 100);
}

/** Waits until every stored callback has been processed; returns how long that took (ms). */
export async function waitCallbacksProcessed(db: SQLite.Database, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  const q = db.prepare(`select count(*) as n from callbacks where processed_at is null`);
  await waitFor('all callbacks to be processed', () => ((q.get() as { n: number }).n === 0 ? true : undefined), timeoutMs, 50);
  return Date.now() - t0;
}

export function pendingCallbacks(db: SQLite.Database): number {
  return (db.prepare(`select count(*) as n from callbacks where processed_at is null`).get() as { n: number }).n;
}

/** Rows of the given messages, in chunks (SQLite's variable limit). */
export function messageRows<T>(db: SQLite.Database, columns: string, ids: readonly string[]): T[] {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    out.push(...(db.prepare(`select ${columns} from messages where id in (${chunk.map(() => '?').join(',')})`).all(...chunk) as T[]));
  }
  return out;
}
