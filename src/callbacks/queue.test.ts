import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { migrate, openDatabase, type DB } from '../store/db.js';
import type { CallbackRow } from '../store/callbacks.js';
import { CallbackQueue } from './queue.js';

const dir = mkdtempSync(join(tmpdir(), 'callback-queue-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
async function freshDb(): Promise<DB> {
  const db = openDatabase(`sqlite://${join(dir, `db${n++}.sqlite`)}`);
  await migrate(db);
  return db;
}

/** Stores a callback as the writer would, and returns its row. */
async function insert(db: DB, body: string, over: Partial<CallbackRow> = {}): Promise<CallbackRow> {
  const row = { project_id: 'p', source: 'webhook' as const, integration_id: 'i', endpoint: 'r', query: '', content_type: null, body: Buffer.from(body), body_hash: body, received_at: 0, processed_at: null, defer_until: null, outcome: null, ...over };
  const { id } = await db.insertInto('callbacks').values(row).returning('id').executeTakeFirstOrThrow();
  return { ...row, id: Number(id) };
}
const bodies = (rows: CallbackRow[]) => rows.map((r) => Buffer.from(r.body).toString());
const markDone = (db: DB, rows: CallbackRow[]) =>
  rows.length ? db.updateTable('callbacks').set({ processed_at: 1 }).where('id', 'in', rows.map((r) => r.id)).execute() : undefined;

test('starts from the store, then takes what the writer hands over, in id order', async () => {
  const db = await freshDb();
  // Left pending by an earlier run: only the store knows them.
  await insert(db, 'old-1');
  await insert(db, 'old-2');
  const q = new CallbackQueue();
  assert.equal(q.idle(0), false);
  const first = await q.take(db, 0, 10);
  assert.deepEqual(bodies(first), ['old-1', 'old-2']);
  await markDone(db, first);
  assert.equal(q.idle(0), true, 'the scan saw everything pending');
  const a = await insert(db, 'a');
  const b = await insert(db, 'b');
  // Hand-overs may come out of order (flushes finish out of order).
  q.add(b);
  q.add(a);
  // Stored by something other than this writer: memory mode doesn't look at the store.
  await insert(db, 'elsewhere');
  assert.deepEqual(bodies(await q.take(db, 0, 10)), ['a', 'b']);
  assert.equal(q.idle(0), true);
  await db.destroy();
});

test('a callback handed over while the store was being scanned is not taken twice', async () => {
  const db = await freshDb();
  const q = new CallbackQueue();
  const x = await insert(db, 'x');
  // Stored and flushed before the scan: the scan takes it, memory must not give it again.
  q.add(x);
  assert.deepEqual(bodies(await q.take(db, 0, 10)), ['x']);
  await markDone(db, [x]);
  const y = await insert(db, 'y');
  q.add(y);
  assert.deepEqual(bodies(await q.take(db, 0, 10)), ['y']);
  assert.deepEqual(await q.take(db, 0, 10), []);
  await db.destroy();
});

test('a callback handed over after a scan already took it from the store is not taken again', async () => {
  const db = await freshDb();
  const q = new CallbackQueue();
  // Committed before the scan, its flush (and so its hand-over) done only after it.
  const late = await insert(db, 'late');
  assert.deepEqual(bodies(await q.take(db, 0, 10)), ['late']);
  await markDone(db, [late]);
  q.add(late);
  const next = await insert(db, 'next');
  q.add(next);
  assert.deepEqual(bodies(await q.take(db, 0, 10)), ['next']);
  await db.destroy();
});

test('a full batch from the store means there may be more: it keeps scanning', async () => {
  const db = await freshDb();
  for (const b of ['1', '2', '3']) await insert(db, b);
  const q = new CallbackQueue();
  const one = await q.take(db, 0, 2);
  assert.deepEqual(bodies(one), ['1', '2']);
  await markDone(db, one);
  assert.equal(q.idle(0), false);
  assert.deepEqual(bodies(await q.take(db, 0, 2)), ['3']);
  await db.destroy();
});

test('after a failed batch, an overflow or when a deferred callback falls due, it reads the store again', async () => {
  const db = await freshDb();
  const q = new CallbackQueue(2);
  await q.take(db, 0, 10);
  // Failed: the rows it took from memory are still pending in the store.
  const f = await insert(db, 'failed');
  q.add(f);
  assert.deepEqual(bodies(await q.take(db, 0, 10)), ['failed']);
  q.failed();
  assert.deepEqual(bodies(await q.take(db, 0, 10)), ['failed'], 'from the store');
  await markDone(db, [f]);
  // Deferred until 500: not before, then from the store.
  const d = await insert(db, 'deferred', { defer_until: 500 });
  q.deferred(500);
  assert.equal(q.idle(499), true);
  assert.equal(q.idle(500), false);
  assert.deepEqual(bodies(await q.take(db, 500, 10)), ['deferred']);
  await markDone(db, [d]);
  // Overflow: more hand-overs than it holds; the store has them all.
  const rows = [await insert(db, 'o1'), await insert(db, 'o2'), await insert(db, 'o3')];
  for (const r of rows) q.add(r);
  assert.deepEqual(bodies(await q.take(db, 500, 10)), ['o1', 'o2', 'o3']);
  await db.destroy();
});
