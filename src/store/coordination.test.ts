// The coordination session of a hub process on PostgreSQL (SQLite has one process: no such thing).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { Coordinator, LockSpace, launchHolder, liveWorkerPids, roleHolders, senderHolders } from './coordination.js';
import { openPostgresStore, postgresUnavailable, type TestStore } from './testing.js';

const skip = await postgresUnavailable();

describe('coordination sessions (postgres)', { skip }, () => {
  let store: TestStore;
  before(async () => {
    store = await openPostgresStore();
  });
  after(() => store.close());

  const waitFor = async (check: () => Promise<boolean> | boolean, what: string) => {
    for (let i = 0; i < 100; i++) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail(`timed out waiting for ${what}`);
  };

  test('each live process holds its worker lock; the count follows processes coming and going', async () => {
    const a = await Coordinator.connect(store.url, 'wa');
    const b = await Coordinator.connect(store.url, 'wb');
    assert.equal(await a.liveWorkers(), 2);
    await assert.rejects(Coordinator.connect(store.url, 'wa'), /taken by another live process/);
    await b.close();
    assert.equal(await a.liveWorkers(), 1);
    await a.close();
  });

  test('a lease is held by one session at a time, re-taken freely by its holder, and free once given up', async () => {
    const a = await Coordinator.connect(store.url, 'la');
    const b = await Coordinator.connect(store.url, 'lb');
    assert.equal(await a.tryLock(LockSpace.sender, 'int_1'), true);
    assert.equal(await a.tryLock(LockSpace.sender, 'int_1'), true, 'its holder');
    assert.equal(await b.tryLock(LockSpace.sender, 'int_1'), false);
    assert.equal(await b.tryLock(LockSpace.role, 'int_1'), true, 'another lock space');
    assert.ok(a.holds(LockSpace.sender, 'int_1'));
    await a.unlock(LockSpace.sender, 'int_1');
    assert.ok(!a.holds(LockSpace.sender, 'int_1'));
    assert.equal(await b.tryLock(LockSpace.sender, 'int_1'), true, 'one unlock frees it, however often its holder took it');
    // Taken twice at once (the second asked before the first was answered): still one unlock.
    assert.deepEqual(await Promise.all([a.tryLock(LockSpace.launch, 'cmp_1'), a.tryLock(LockSpace.launch, 'cmp_1')]), [true, true]);
    await a.unlock(LockSpace.launch, 'cmp_1');
    assert.equal(await b.tryLock(LockSpace.launch, 'cmp_1'), true, 'free after one unlock');
    await b.unlock(LockSpace.launch, 'cmp_1');
    const holders = await senderHolders(store.db);
    assert.deepEqual(holders.map((h) => h.pid), [process.pid]);
    await a.close();
    await b.close();
  });

  test('who runs each job for all and each campaign fan-out is readable by anyone on the store', async () => {
    const a = await Coordinator.connect(store.url, 'ra');
    assert.deepEqual(await roleHolders(store.db), []);
    assert.equal(await launchHolder(store.db, 'cmp_x'), null);
    assert.equal(await a.tryLock(LockSpace.role, 'imports'), true);
    // A name whose hashtext is negative, and one that is not a role: neither confuses the look-up.
    assert.equal(await a.tryLock(LockSpace.role, 'scheduler'), true);
    assert.equal(await a.tryLock(LockSpace.launch, 'cmp_x'), true);
    assert.deepEqual((await roleHolders(store.db)).map((h) => `${h.role}:${h.pid}`).sort(), [`imports:${process.pid}`, `scheduler:${process.pid}`]);
    assert.equal(await launchHolder(store.db, 'cmp_x'), process.pid);
    assert.equal(await launchHolder(store.db, 'cmp_y'), null);
    await a.unlock(LockSpace.launch, 'cmp_x');
    assert.equal(await launchHolder(store.db, 'cmp_x'), null);
    await a.close();
    assert.deepEqual(await roleHolders(store.db), []);
  });

  test("the holders listed are this database's: advisory locks of another database on the server are not", async () => {
    const elsewhere = await openPostgresStore();
    const o = await Coordinator.connect(elsewhere.url, 'elsewhere');
    try {
      await o.tryLock(LockSpace.sender, 'int_elsewhere');
      await o.tryLock(LockSpace.role, 'scheduler');
      await o.tryLock(LockSpace.launch, 'cmp_elsewhere');
      assert.deepEqual(await senderHolders(elsewhere.db).then((h) => h.map((x) => x.pid)), [process.pid], 'seen from its own database');
      assert.deepEqual(await senderHolders(store.db), []);
      assert.deepEqual(await roleHolders(store.db), []);
      assert.deepEqual(await liveWorkerPids(store.db), []);
      assert.equal(await launchHolder(store.db, 'cmp_elsewhere'), null);
    } finally {
      await o.close();
      await elsewhere.close();
    }
  });

  test('a session that dies frees its leases for the others at once, and its process hears that it is lost', async () => {
    const a = await Coordinator.connect(store.url, 'da');
    const b = await Coordinator.connect(store.url, 'db');
    assert.equal(await a.tryLock(LockSpace.sender, 'int_dead'), true);
    let lost: Error | null = null;
    a.on('lost', (err) => (lost = err));
    // As the server sees a killed process: its connection ends.
    await sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name = ${`switchboard da pid ${process.pid}`}`.execute(store.db);
    await waitFor(async () => b.tryLock(LockSpace.sender, 'int_dead'), 'the lease to be free');
    await waitFor(() => lost !== null, 'the lost event');
    assert.equal(a.lost, true);
    assert.equal(await b.liveWorkers(), 1);
    await a.close();
    await b.close();
  });

  test('news published by one session reaches every listening session', async () => {
    const a = await Coordinator.connect(store.url, 'na');
    const b = await Coordinator.connect(store.url, 'nb');
    const heard: string[] = [];
    b.on('message', (p) => heard.push(p));
    await a.publish('{"hello":1}');
    await waitFor(() => heard.length === 1, 'the news');
    assert.deepEqual(heard, ['{"hello":1}']);
    await a.close();
    await b.close();
  });
});
