import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { DB } from './db.js';
import { GroupCommit } from './group-commit.js';
import { storeBackends, type TestStore } from './testing.js';

const project = (id: string) => ({ id, name: id, default_sms_integration_id: null, default_whatsapp_integration_id: null, default_rcs_integration_id: null, app_key: `ak_${id}`, ingest_signing_secret: null, settings: '{}', created_at: 0, updated_at: 0 });

for (const backend of await storeBackends()) describe(`group commit (${backend.kind})`, { skip: backend.skip }, () => {
  let store: TestStore;
  let db: DB;
  before(async () => {
    store = await backend.open();
    db = store.db;
  });
  after(() => store.close());

  test('work queued together shares one transaction; a failure undoes only its own writes', async () => {
    const commit = new GroupCommit(db);
    const results = await Promise.allSettled([
      commit.run(async (trx) => {
        await trx.insertInto('projects').values(project('a')).execute();
        return 'a';
      }),
      commit.run(async (trx) => {
        await trx.insertInto('projects').values(project('b')).execute();
        throw new Error('b changed its mind');
      }),
      commit.run(async (trx) => {
        await trx.insertInto('projects').values(project('c')).execute();
        return 'c';
      }),
    ]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    const ids = (await db.selectFrom('projects').select('id').orderBy('id').execute()).map((r) => r.id);
    assert.deepEqual(ids, ['a', 'c']);
  });

  test('a one-statement job runs without a savepoint: when it fails, nothing of it stays and the others commit', async () => {
    const commit = new GroupCommit(db);
    const results = await Promise.allSettled([
      commit.run((trx) => trx.insertInto('projects').values(project('f')).execute(), { oneStatement: true }),
      // Its second row collides: the statement fails whole, its first row included.
      commit.run((trx) => trx.insertInto('projects').values([project('g'), project('a')]).execute(), { oneStatement: true }),
      commit.run((trx) => trx.insertInto('projects').values(project('h')).execute(), { oneStatement: true }),
    ]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    const ids = (await db.selectFrom('projects').select('id').where('id', 'in', ['f', 'g', 'h']).orderBy('id').execute()).map((r) => r.id);
    assert.deepEqual(ids, ['f', 'h']);
  });

  test('a unique violation in one job leaves the others committed', async () => {
    const commit = new GroupCommit(db);
    const results = await Promise.allSettled([
      commit.run((trx) => trx.insertInto('projects').values(project('a')).execute()),
      commit.run((trx) => trx.insertInto('projects').values(project('d')).execute()),
    ]);
    assert.equal(results[0].status, 'rejected');
    assert.equal(results[1].status, 'fulfilled');
    assert.ok(await db.selectFrom('projects').select('id').where('id', '=', 'd').executeTakeFirst());
  });

  test('jobs are answered in the order queued; on PostgreSQL they run side by side', async () => {
    const commit = new GroupCommit(db);
    const answered: string[] = [];
    const seesJ = async (trx: DB) => Boolean(await trx.selectFrom('projects').select('id').where('id', '=', 'j').executeTakeFirst());
    const first = commit.run(async (trx) => {
      if (backend.kind === 'sqlite') return;
      // Waits for the job queued after it: run one after the other, this would never see it.
      for (let i = 0; !(await seesJ(db)); i++) {
        assert.ok(i < 500, 'the later job did not run while this one waited');
        await new Promise((r) => setTimeout(r, 10));
      }
      await trx.insertInto('projects').values(project('i')).execute();
    });
    const second = commit.run((trx) => trx.insertInto('projects').values(project('j')).execute(), { oneStatement: true });
    await Promise.all([first.then(() => answered.push('first')), second.then(() => answered.push('second'))]);
    assert.deepEqual(answered, ['first', 'second']);
  });
});
