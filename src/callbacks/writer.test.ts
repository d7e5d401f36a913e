import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { migrate, openDatabase, type DB } from '../store/db.js';
import { GroupCommit } from '../store/group-commit.js';
import { PendingCallbacks } from './pending.js';
import { RecentDigests } from './recent-digests.js';
import { CallbackWriter, type IncomingCallback } from './writer.js';

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
