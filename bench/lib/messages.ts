// Queueing messages through the public API (setup, not measured load) and waiting on them.
import type { Api } from './api.js';
import type { BenchDb } from './store.js';
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
export async function waitAllDispatched(db: BenchDb, timeoutMs: number): Promise<void> {
  const waiting = async () => (await db.get<{ n: number }>(`select count(*) as n from messages where dispatch_state in ('queued', 'sending')`))!.n;
  await waitFor('all messages to be dispatched', async () => ((await waiting()) === 0 ? true : undefined), timeoutMs, 100);
}

/** Waits until every stored callback has been processed; returns how long that took (ms). */
export async function waitCallbacksProcessed(db: BenchDb, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  await waitFor('all callbacks to be processed', async () => ((await pendingCallbacks(db)) === 0 ? true : undefined), timeoutMs, 50);
  return Date.now() - t0;
}

export async function pendingCallbacks(db: BenchDb): Promise<number> {
  return (await db.get<{ n: number }>(`select count(*) as n from callbacks where processed_at is null`))!.n;
}

/** Rows of the given messages, in chunks (SQLite's variable limit). */
export async function messageRows<T>(db: BenchDb, columns: string, ids: readonly string[]): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    out.push(...(await db.all<T>(`select ${columns} from messages where id in (${chunk.map(() => '?').join(',')})`, ...chunk)));
  }
  return out;
}
