import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import * as callbackStore from '../store/callbacks.js';
import { migrate, openDatabase, type DB } from '../store/db.js';
import { GroupCommit } from '../store/group-commit.js';
import { storeBackends } from '../store/testing.js';
import { PendingCallbacks } from './pending.js';
import { RecentDigests } from './recent-digests.js';
import { CallbackWriter, type IncomingCallback, type StoreTogether } from './writer.js';

const dir = mkdtempSync(join(tmpdir(), 'callback-writer-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
async function store() {
  const db = openDatabase(`sqlite://${join(dir, `db${n++}.sqlite`)}`);
  await migrate(db);
  const commit = new GroupCommit(db);
  return { db, commit, close: async () => (await commit.close(), await db.destroy()) };
}

const callback = (body: string, over: Partial<Extract<IncomingCallback, { source: 'webhook' }>> = {}): IncomingCallback => ({
  source: 'webhook',
  projectId: 'prj_1',
  integrationId: 'int_1',
  endpoint: 'delivery',
  query: '',
  contentType: 'application/json',
  rawBody: Buffer.from(body),
  ...over,
});
const stored = async (db: DB) => (await db.selectFrom('callbacks').select(['integration_id', 'query', 'body']).orderBy('id').execute()).map((r) => `${r.integration_id}?${r.query} ${Buffer.from(r.body).toString()}`);

test('recent digests forget the oldest beyond their capacity; one added again keeps its place', () => {
  const recent = new RecentDigests(3);
  for (const d of ['a', 'b', 'c']) recent.add(d);
  recent.add('a');
  recent.add('d');
  assert.deepEqual(['a', 'b', 'c', 'd'].map((d) => recent.has(d)), [false, true, true, true]);
  assert.equal(recent.size, 3);
  for (const d of ['e', 'f']) recent.add(d);
  assert.deepEqual(['b', 'c', 'd', 'e', 'f'].map((d) => recent.has(d)), [false, false, true, true, true]);
  assert.equal(recent.size, 3);
});

test('the same bytes again are a duplicate and stored once, also when they arrive together', async () => {
  const { db, commit, close } = await store();
  let storedCalls = 0;
  const writer = new CallbackWriter(commit, () => storedCalls++);
  assert.equal(await writer.write(callback('{"a":1}')), 'stored');
  assert.equal(await writer.write(callback('{"a":1}')), 'duplicate');
  const together = await Promise.all([writer.write(callback('{"b":2}')), writer.write(callback('{"b":2}')), writer.write(callback('{"b":2}'))]);
  assert.deepEqual(together.sort(), ['duplicate', 'duplicate', 'stored']);
  // Same bytes, but another integration or another query string: another callback.
  assert.equal(await writer.write(callback('{"a":1}', { integrationId: 'int_2' })), 'stored');
  assert.equal(await writer.write(callback('{"a":1}', { query: 'message_id=m1' })), 'stored');
  assert.deepEqual(await stored(db), ['int_1? {"a":1}', 'int_1? {"b":2}', 'int_2? {"a":1}', 'int_1?message_id=m1 {"a":1}']);
  assert.equal(storedCalls, 4);
  await close();
});

test('after a restart the most recent callbacks are still recognised; beyond the window the store recognises a repeat', async () => {
  const { db, commit, close } = await store();
  const first = new CallbackWriter(commit, () => {}, new RecentDigests(2));
  for (const b of ['1', '2', '3']) await first.write(callback(b));
  const restarted = new CallbackWriter(commit, () => {}, new RecentDigests(2));
  await restarted.remember(db);
  assert.equal(await restarted.write(callback('3')), 'duplicate');
  assert.equal(await restarted.write(callback('2')), 'duplicate');
  assert.equal(await restarted.write(callback('1')), 'duplicate', 'older than the window: the store holds it (another process may have taken it)');
  assert.equal((await stored(db)).length, 3);
  await close();
});

test('a signed callback is checked for replay first: its nonce is kept even when the bytes repeat', async () => {
  const { db, commit, close } = await store();
  const writer = new CallbackWriter(commit);
  const signed = (nonce: string) => callback('{"s":1}', { replayKey: { nonce, expiresAtMs: Date.now() + 60_000 } });
  assert.equal(await writer.write(signed('n1')), 'stored');
  assert.equal(await writer.write(signed('n1')), 'replayed');
  assert.equal(await writer.write(signed('n2')), 'duplicate', 're-signed by the provider: the same report');
  assert.equal(await writer.write(signed('n2')), 'replayed', 'and that signature is now spent');
  assert.equal((await stored(db)).length, 1);
  await close();
});

test('when storing the first copy fails, a copy that arrived meanwhile is stored, not called a duplicate', async () => {
  const { db, commit, close } = await store();
  let fail = true;
  // The real group commit, with the first job made to fail.
  const flaky = {
    run: <T>(work: Parameters<GroupCommit['run']>[0]) =>
      commit.run(async (trx) => {
        if (fail) {
          fail = false;
          throw new Error('disk full');
        }
        return work(trx) as Promise<T>;
      }),
  } as GroupCommit;
  const writer = new CallbackWriter(flaky);
  const [a, b] = await Promise.allSettled([writer.write(callback('{"c":3}')), writer.write(callback('{"c":3}'))]);
  assert.equal(a.status, 'rejected');
  assert.deepEqual(b, { status: 'fulfilled', value: 'stored' });
  assert.equal(await writer.write(callback('{"c":3}')), 'duplicate');
  assert.equal((await stored(db)).length, 1);
  await close();
});

test('a source at its pending limit is refused before anything is stored; other sources, repeats and processing go on', async () => {
  const { db, commit, close } = await store();
  const writer = new CallbackWriter(commit, () => {}, new RecentDigests(), new PendingCallbacks({ count: 2, bytes: 0 }));
  assert.equal(await writer.write(callback('1')), 'stored');
  assert.equal(await writer.write(callback('2')), 'stored');
  assert.equal(await writer.write(callback('3')), 'too_many_pending');
  const signed = callback('4', { replayKey: { nonce: 'n4', expiresAtMs: Date.now() + 60_000 } });
  assert.equal(await writer.write(signed), 'too_many_pending');
  assert.equal(await writer.write(callback('1')), 'duplicate', 'a repeat stores nothing, and is answered as before');
  assert.equal(await writer.write(callback('3', { integrationId: 'int_2' })), 'stored', 'the limit is per source');
  assert.deepEqual(await stored(db), ['int_1? 1', 'int_1? 2', 'int_2? 3']);

  const [first] = await db.selectFrom('callbacks').selectAll().orderBy('id').execute();
  writer.processed(first!);
  assert.equal(await writer.write(signed), 'stored', 'the refused nonce was not spent');
  assert.equal(await writer.write(callback('5')), 'too_many_pending');

  // Restarted: what is pending in the store counts again.
  const restarted = new CallbackWriter(commit, () => {}, new RecentDigests(), new PendingCallbacks({ count: 3, bytes: 0 }));
  await restarted.remember(db);
  assert.deepEqual(restarted.pending.of('webhook:int_1'), { count: 3, bytes: 3 });
  assert.equal(await restarted.write(callback('5')), 'too_many_pending');
  assert.equal(await restarted.write(callback('5', { integrationId: 'int_2' })), 'stored');
  await close();
});

test('the pending limit by bytes, and a reservation given back when the callback was not stored', async () => {
  const { db, commit, close } = await store();
  const writer = new CallbackWriter(commit, () => {}, new RecentDigests(), new PendingCallbacks({ count: 0, bytes: 10 }));
  assert.equal(await writer.write(callback('x'.repeat(6))), 'stored');
  assert.equal(await writer.write(callback('y'.repeat(6))), 'stored', 'below the limit before it: taken, and now over');
  assert.equal(await writer.write(callback('z')), 'too_many_pending');
  assert.deepEqual(writer.pending.of('webhook:int_1'), { count: 2, bytes: 12 });
  for (const row of await db.selectFrom('callbacks').selectAll().execute()) writer.processed(row);
  assert.deepEqual(writer.pending.of('webhook:int_1'), { count: 0, bytes: 0 });

  const signed = callback('{"s":1}', { replayKey: { nonce: 'n1', expiresAtMs: Date.now() + 60_000 } });
  assert.equal(await writer.write(signed), 'stored');
  assert.equal(await writer.write(signed), 'replayed');
  assert.deepEqual(writer.pending.of('webhook:int_1'), { count: 1, bytes: 7 }, 'the replay holds nothing');
  await close();
});

// PostgreSQL's way (hub.ts gives it there), on both stores: unsigned callbacks in batches.
for (const backend of await storeBackends()) describe(`callbacks stored together (${backend.kind})`, { skip: backend.skip }, () => {
  const open = async () => {
    const s = await backend.open();
    const commit = new GroupCommit(s.db);
    const statements: number[] = [];
    const together: StoreTogether = (rows) => (statements.push(rows.length), callbackStore.insertManyUnlessStored(s.db, rows));
    return { ...s, commit, statements, together, close: async () => (await commit.close(), await s.close()) };
  };

  test('the callbacks of one turn go in one statement; repeats, signed callbacks and the hand-over work as one at a time', async () => {
    const { db, commit, statements, together, close } = await open();
    const handed: string[] = [];
    const writer = new CallbackWriter(commit, (row) => handed.push(Buffer.from(row.body).toString()), new RecentDigests(), new PendingCallbacks(), together);
    const first = await Promise.all(['1', '2', '3', '2', '1'].map((b) => writer.write(callback(b))));
    assert.deepEqual(first, ['stored', 'stored', 'stored', 'duplicate', 'duplicate']);
    assert.deepEqual(statements, [3], 'one statement for the three distinct callbacks; the copies waited for it');
    assert.deepEqual(await Promise.all([writer.write(callback('3')), writer.write(callback('4')), writer.write(callback('3', { integrationId: 'int_2' }))]), ['duplicate', 'stored', 'stored']);
    // A signed one is its nonce's and its row's transaction, not part of a batch.
    const signed = callback('5', { replayKey: { nonce: 'n5', expiresAtMs: Date.now() + 60_000 } });
    assert.deepEqual(await Promise.all([writer.write(signed), writer.write(callback('6'))]), ['stored', 'stored']);
    assert.equal(await writer.write(signed), 'replayed');
    assert.deepEqual(statements, [3, 2, 1]);
    assert.deepEqual(await stored(db), ['int_1? 1', 'int_1? 2', 'int_1? 3', 'int_1? 4', 'int_2? 3', 'int_1? 5', 'int_1? 6']);
    assert.deepEqual(handed.sort(), ['1', '2', '3', '3', '4', '5', '6']);
    // Each handed-over row carries the id the store gave it.
    const ids = (await db.selectFrom('callbacks').select('id').execute()).map((r) => Number(r.id));
    assert.equal(new Set(ids).size, 7);
    await writer.close();
    await close();
  });

  test('content another process stored meanwhile is a duplicate: the store decides, not only memory', async () => {
    const { db, commit, together, close } = await open();
    const writer = new CallbackWriter(commit, () => {}, new RecentDigests(), new PendingCallbacks(), together);
    const elsewhere = new CallbackWriter(commit, () => {}, new RecentDigests(), new PendingCallbacks(), together);
    assert.equal(await elsewhere.write(callback('7')), 'stored');
    assert.deepEqual(await Promise.all([writer.write(callback('7')), writer.write(callback('8'))]), ['duplicate', 'stored']);
    assert.deepEqual(writer.pending.of('webhook:int_1'), { count: 1, bytes: 1 }, 'the duplicate holds no pending place');
    assert.equal((await stored(db)).length, 2);
    await close();
  });

  test('when the statement fails, each callback is stored on its own, so only a bad one fails', async () => {
    const { db, commit, close } = await open();
    let failures = 0;
    const failing: StoreTogether = async (rows) => {
      failures++;
      if (backend.kind === 'postgres') return callbackStore.insertManyUnlessStored(db, rows);
      throw new Error('statement refused');
    };
    const writer = new CallbackWriter(commit, () => {}, new RecentDigests(), new PendingCallbacks(), failing);
    // PostgreSQL refuses a NUL in text: the whole statement fails there, as a bad row would.
    const bad = callback('9', { query: 'a=\0' });
    const results = await Promise.allSettled([writer.write(callback('10')), writer.write(bad), writer.write(callback('11'))]);
    assert.equal(failures, 1);
    assert.deepEqual(results[0], { status: 'fulfilled', value: 'stored' });
    assert.deepEqual(results[2], { status: 'fulfilled', value: 'stored' });
    if (backend.kind === 'postgres') assert.equal(results[1].status, 'rejected');
    else assert.deepEqual(results[1], { status: 'fulfilled', value: 'stored' });
    assert.deepEqual((await stored(db)).filter((r) => !r.includes('\0')), ['int_1? 10', 'int_1? 11']);
    assert.deepEqual(writer.pending.of('webhook:int_1'), { count: backend.kind === 'postgres' ? 2 : 3, bytes: backend.kind === 'postgres' ? 4 : 5 });
    await close();
  });
});
