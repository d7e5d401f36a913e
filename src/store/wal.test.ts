import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createLogger } from '../logger.js';
import { migrate, openDatabase, sqliteConnection, walSync } from './db.js';
import { GroupCommit } from './group-commit.js';
import { prepared } from './prepared.js';
import { Checkpointer, WalSync } from './wal.js';

const dir = mkdtempSync(join(tmpdir(), 'wal-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshDb = async () => {
  const db = openDatabase(`sqlite://${join(dir, `db${n++}.sqlite`)}`);
  await migrate(db);
  return db;
};

const tick = () => new Promise((r) => setImmediate(r));
const until = async (what: () => boolean) => {
  for (let i = 0; !what(); i++) {
    assert.ok(i < 1000, 'timed out');
    await tick();
  }
};

/** A WalSync whose flushes finish when the test says; `log` records what happened, in order. */
async function manualFlushes(maxConcurrent: number) {
  const db = await freshDb();
  const log: string[] = [];
  const finish: (() => void)[] = [];
  let started = 0;
  const sync = new WalSync(
    `${sqliteConnection(db)!.name}-wal`,
    async () => {
      const n = ++started;
      log.push(`flush ${n} started`);
      await new Promise<void>((resolve) => finish.push(resolve));
      log.push(`flush ${n} done`);
    },
    maxConcurrent,
  );
  const close = async () => {
    await sync.close();
    await db.destroy();
  };
  return { sync, log, finish, close };
}

test('a sync resolves only after a flush that started after it was asked for', async () => {
  const { sync, log, finish, close } = await manualFlushes(1);
  const first = sync.sync().then(() => log.push('first resolved'));
  await until(() => log.length > 0);
  // Asked while the first flush runs: it may have started before this caller's commit.
  const second = sync.sync().then(() => log.push('second resolved'));
  const third = sync.sync().then(() => log.push('third resolved'));
  finish.shift()!();
  await first;
  await until(() => log.length >= 4);
  assert.deepEqual(log, ['flush 1 started', 'flush 1 done', 'first resolved', 'flush 2 started'], 'the second and third share the next flush');
  finish.shift()!();
  await Promise.all([second, third]);
  assert.deepEqual(log.slice(4), ['flush 2 done', 'second resolved', 'third resolved']);
  assert.equal(sync.flushes, 2);
  await close();
});

test('flushes overlap up to the limit; past it, callers share the next free slot', async () => {
  const { sync, log, finish, close } = await manualFlushes(2);
  const a = sync.sync().then(() => log.push('a resolved'));
  await until(() => log.length === 1);
  const b = sync.sync().then(() => log.push('b resolved'));
  await until(() => log.length === 2);
  assert.deepEqual(log, ['flush 1 started', 'flush 2 started'], 'b did not wait for the running flush');
  const c = sync.sync().then(() => log.push('c resolved'));
  const d = sync.sync().then(() => log.push('d resolved'));
  finish.shift()!();
  await a;
  await until(() => log.includes('flush 3 started'));
  assert.ok(!log.includes('b resolved'), 'b waits for a flush that started after it asked');
  finish.shift()!();
  await b;
  finish.shift()!();
  await Promise.all([c, d]);
  assert.equal(sync.flushes, 3, 'c and d shared one flush');
  assert.deepEqual(log.slice(-3), ['flush 3 done', 'c resolved', 'd resolved']);
  await close();
});

test('callers are answered in the order they asked, even when a later flush finishes first', async () => {
  const { sync, log, finish, close } = await manualFlushes(2);
  const a = sync.sync().then(() => log.push('a resolved'));
  await until(() => log.length === 1);
  const b = sync.sync().then(() => log.push('b resolved'));
  await until(() => log.length === 2);
  // Flush 2 ends first. It started after both asked, so it covers a too: a is answered, before b.
  finish.splice(1, 1)[0]!();
  await Promise.all([a, b]);
  assert.deepEqual(log, ['flush 1 started', 'flush 2 started', 'flush 2 done', 'a resolved', 'b resolved']);
  // Flush 1 ending later answers no one twice.
  finish.shift()!();
  await until(() => log.includes('flush 1 done'));
  assert.equal(log.filter((l) => l.endsWith('resolved')).length, 2);
  await close();
});

test('a failed flush fails every caller still waiting, including those a running flush would cover', async () => {
  const db = await freshDb();
  const finish: ((err?: Error) => void)[] = [];
  const sync = new WalSync(`${sqliteConnection(db)!.name}-wal`, () => new Promise<void>((resolve, reject) => finish.push((err) => (err ? reject(err) : resolve()))), 2);
  const a = sync.sync();
  const b = sync.sync();
  await until(() => finish.length === 2);
  finish[0]!(new Error('EIO'));
  await assert.rejects(a, /EIO/);
  await assert.rejects(b, /EIO/);
  finish[1]!();
  await sync.close();
  await db.destroy();
});

test('after a failed flush nothing is acknowledged again', async () => {
  const db = await freshDb();
  let fail = true;
  const sync = new WalSync(`${sqliteConnection(db)!.name}-wal`, async () => {
    if (fail) throw new Error('EIO');
  });
  await assert.rejects(sync.sync(), /flushing the SQLite WAL failed.*EIO/);
  fail = false;
  await assert.rejects(sync.sync(), /must restart/);
  await sync.close();
  await db.destroy();
});

/** Wraps the store's WAL sync to record, in order, writes resolving and flushes finishing. */
function recordFlushes(sync: WalSync, log: string[]) {
  const original = sync.sync.bind(sync);
  sync.sync = () => {
    log.push('flush asked');
    return original().then(() => {
      log.push('flushed');
    });
  };
}

test('every write through Kysely is flushed before it resolves; reads are not', async () => {
  const db = await freshDb();
  const log: string[] = [];
  recordFlushes(walSync(sqliteConnection(db)!)!, log);
  const nonce = (x: string) => ({ source: 'webhook' as const, signer_id: 'i', nonce: x, expires_at: 1 });

  await db.insertInto('signed_nonces').values(nonce('a')).execute();
  log.push('insert resolved');
  await db.selectFrom('signed_nonces').selectAll().execute();
  log.push('select resolved');
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('signed_nonces').values(nonce('b')).execute();
    log.push('insert in transaction resolved');
  });
  log.push('transaction resolved');
  assert.deepEqual(log, ['flush asked', 'flushed', 'insert resolved', 'select resolved', 'insert in transaction resolved', 'flush asked', 'flushed', 'transaction resolved']);
  await db.destroy();
});

test('a prepared write outside a transaction is flushed before it resolves', async () => {
  const db = await freshDb();
  const log: string[] = [];
  recordFlushes(walSync(sqliteConnection(db)!)!, log);
  const insert = prepared<{ nonce: string }>((q, p) => q.insertInto('signed_nonces').values({ source: 'webhook', signer_id: 'i', nonce: p.nonce, expires_at: 1 }));
  const count = prepared<Record<string, never>, { n: number }>((q) => q.selectFrom('signed_nonces').select((eb) => eb.fn.countAll<number>().as('n')));
  await insert.changes(db, { nonce: 'x' });
  log.push('insert resolved');
  assert.equal((await count.first(db, {}))?.n, 1);
  log.push('count resolved');
  assert.deepEqual(log, ['flush asked', 'flushed', 'insert resolved', 'count resolved']);
  await db.destroy();
});

test('a group is acknowledged after its flush, and the next group is built meanwhile', async () => {
  const db = await freshDb();
  const sqlite = sqliteConnection(db)!;
  const wal = walSync(sqlite)!;
  const log: string[] = [];
  const releases: (() => void)[] = [];
  const original = wal.sync.bind(wal);
  wal.sync = () => {
    log.push('flush asked');
    return new Promise<void>((resolve) => releases.push(resolve)).then(original).then(() => {
      log.push('flushed');
    });
  };
  const commit = new GroupCommit(db);
  const insert = (x: string) =>
    commit.run(async (trx) => {
      await trx.insertInto('signed_nonces').values({ source: 'webhook', signer_id: 'g', nonce: x, expires_at: 1 }).execute();
      log.push(`${x} written`);
    });
  const first = insert('a').then(() => log.push('a acknowledged'));
  while (releases.length === 0) await tick();
  const second = insert('b').then(() => log.push('b acknowledged'));
  while (releases.length === 1) await tick();
  // Both groups are committed (b was written while a's flush was still out), neither acknowledged.
  assert.deepEqual(log, ['a written', 'flush asked', 'b written', 'flush asked']);
  releases.shift()!();
  await first;
  releases.shift()!();
  await second;
  assert.deepEqual(log.slice(4), ['flushed', 'a acknowledged', 'flushed', 'b acknowledged']);
  await commit.close();
  await db.destroy();
});

test('the checkpointer thread copies the WAL back while the connection stops checkpointing by itself', async () => {
  const db = await freshDb();
  const sqlite = sqliteConnection(db)!;
  const checkpointer = await Checkpointer.start(sqlite, createLogger('silent'), { idleMs: 20, busyMs: 2 });
  assert.equal(sqlite.pragma('wal_autocheckpoint', { simple: true }), 0);
  const commit = new GroupCommit(db, { checkpoints: checkpointer.state });
  const state = checkpointer.state;
  // Well past the 1000 pages at which the connection would have checkpointed by itself.
  const blob = Buffer.alloc(3000, 7);
  for (let round = 0; round < 20; round++) {
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        commit.run((trx) =>
          trx
            .insertInto('callbacks')
            .values({ project_id: 'p', source: 'webhook', integration_id: 'i', endpoint: 'r', query: '', content_type: null, body: blob, body_hash: `${round}-${i}`, received_at: 0, processed_at: null, defer_until: null, outcome: null })
            .execute(),
        ),
      ),
    );
  }
  // Reports arrive after the fact: only one that follows the last write counts.
  const deadline = Date.now() + 10_000;
  do {
    assert.ok(Date.now() < deadline, `checkpointer did not catch up: backlog ${state.backlog}`);
    await state.nextCheckpoint(100);
  } while (state.backlog > 0 || state.walFrames === 0);
  assert.ok(statSync(sqlite.name).size > 20 * 100 * 3000, 'the rows reached the database file');
  // Caught up, the next write starts the WAL over from its beginning.
  await commit.run((trx) => trx.deleteFrom('callbacks').where('body_hash', '=', '0-0').execute());
  await state.nextCheckpoint(1000);
  assert.ok(state.walFrames < 100, `WAL restarted (${state.walFrames} frames)`);
  await checkpointer.stop();
  assert.equal(state.running, false);
  assert.equal(sqlite.pragma('wal_autocheckpoint', { simple: true }), 1000, 'checkpointing by itself again');
  await commit.close();
  await db.destroy();
});
