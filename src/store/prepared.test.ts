import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { directSqlite, migrate, openDatabase } from './db.js';
import { limitsAsExpressions, prepared, preparedList } from './prepared.js';

const dir = mkdtempSync(join(tmpdir(), 'prepared-'));
const db = openDatabase(`sqlite://${join(dir, 'db.sqlite')}`);
before(() => migrate(db));
after(async () => {
  await db.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const insertNonce = prepared<{ integration_id: string; nonce: string; expires_at: number }>((q, p) =>
  q
    .insertInto('signed_nonces')
    .values({ source: 'webhook', signer_id: p.integration_id, nonce: p.nonce, expires_at: p.expires_at })
    .onConflict((oc) => oc.columns(['source', 'signer_id', 'nonce']).doNothing()),
);
// A constant of the query ('int_a') bound between two placeholders, one of them used twice.
const expiring = prepared<{ from: number; to: number }, { nonce: string }>((q, p) =>
  q
    .selectFrom('signed_nonces')
    .select('nonce')
    .where('expires_at', '>=', p.from)
    .where('signer_id', '=', 'int_a')
    .where('expires_at', '<=', p.to)
    .where('expires_at', '<>', p.from)
    .orderBy('nonce'),
);

test('binds values by name, keeps constants, and reports changes and rows', async () => {
  assert.equal(await insertNonce.changes(db, { integration_id: 'int_a', nonce: 'n1', expires_at: 10 }), 1);
  assert.equal(await insertNonce.changes(db, { integration_id: 'int_a', nonce: 'n1', expires_at: 10 }), 0, 'on conflict do nothing');
  await insertNonce.changes(db, { integration_id: 'int_a', nonce: 'n2', expires_at: 20 });
  await insertNonce.changes(db, { integration_id: 'int_b', nonce: 'n3', expires_at: 20 });
  await insertNonce.changes(db, { integration_id: 'int_a', nonce: 'n4', expires_at: 30 });
  assert.deepEqual(await expiring.rows(db, { from: 10, to: 25 }), [{ nonce: 'n2' }]);
  assert.deepEqual(await expiring.rows(db, { from: 0, to: 100 }), [{ nonce: 'n1' }, { nonce: 'n2' }, { nonce: 'n4' }]);
  assert.equal(await expiring.first(db, { from: 100, to: 200 }), undefined);
});

test('LIMIT and OFFSET values are bound as expressions, and still limit and skip rows', async () => {
  // Bound directly, each run would expire the statement and prepare it again (see prepared.ts).
  assert.equal(limitsAsExpressions('select * from "t" order by "id" limit ? offset ?'), 'select * from "t" order by "id" limit (? + 0) offset (? + 0)');
  assert.equal(limitsAsExpressions('select * from "t" where "id" in (select "id" from "u" limit ?) limit ?'), 'select * from "t" where "id" in (select "id" from "u" limit (? + 0)) limit (? + 0)');
  assert.equal(limitsAsExpressions('select * from "t" where "a" = ? limit 5'), 'select * from "t" where "a" = ? limit 5');
  const page = prepared<{ size: number; skip: number }, { nonce: string }>((q, p) =>
    q.selectFrom('signed_nonces').select('nonce').where('signer_id', '=', 'int_a').orderBy('nonce').limit(p.size).offset(p.skip),
  );
  assert.deepEqual(await page.rows(db, { size: 2, skip: 0 }), [{ nonce: 'n1' }, { nonce: 'n2' }]);
  assert.deepEqual(await page.rows(db, { size: 2, skip: 1 }), [{ nonce: 'n2' }, { nonce: 'n4' }]);
  assert.deepEqual(await page.rows(db, { size: 1, skip: 2 }), [{ nonce: 'n4' }]);
  const one = prepared<Record<string, never>, { nonce: string }>((q) => q.selectFrom('signed_nonces').select('nonce').orderBy('nonce', 'desc').limit(1));
  assert.deepEqual(await one.rows(db, {}), [{ nonce: 'n4' }]);
});

test('inside a transaction it writes in that transaction', async () => {
  await assert.rejects(
    db.transaction().execute(async (trx) => {
      assert.ok(directSqlite(trx), 'the transaction holds the connection');
      await insertNonce.changes(trx, { integration_id: 'int_t', nonce: 'rolled-back', expires_at: 1 });
      throw new Error('undo');
    }),
    /undo/,
  );
  const left = await db.selectFrom('signed_nonces').select('nonce').where('signer_id', '=', 'int_t').execute();
  assert.deepEqual(left, []);
});

test("outside a transaction it never runs inside someone else's open transaction", async () => {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let inTransaction!: () => void;
  const opened = new Promise<void>((r) => (inTransaction = r));
  const trx = db.transaction().execute(async (t) => {
    await insertNonce.changes(t, { integration_id: 'int_o', nonce: 'inside', expires_at: 1 });
    inTransaction();
    await held;
    throw new Error('roll back');
  });
  await opened;
  assert.equal(directSqlite(db), undefined, 'the root instance must wait for the connection');
  // Takes the Kysely path, which waits for the transaction to end: it survives the rollback.
  const outside = insertNonce.changes(db, { integration_id: 'int_o', nonce: 'outside', expires_at: 1 });
  release();
  await assert.rejects(trx, /roll back/);
  assert.equal(await outside, 1);
  const rows = await db.selectFrom('signed_nonces').select('nonce').where('signer_id', '=', 'int_o').execute();
  assert.deepEqual(rows, [{ nonce: 'outside' }]);
});

test('a builder that spreads the placeholders fails loudly instead of losing the values', async () => {
  const spread = prepared<{ signer_id: string; nonce: string; expires_at: number }>((q, p) => q.insertInto('signed_nonces').values({ source: 'webhook', ...p }));
  await assert.rejects(spread.changes(db, { signer_id: 'x', nonce: 'y', expires_at: 1 }), /cannot be spread/);
});

test('a list query pads short lists, splits long ones, and matches exactly the listed values', async () => {
  const nonces = Array.from({ length: 620 }, (_, i) => `l${i}`);
  for (const nonce of nonces) await insertNonce.changes(db, { integration_id: 'int_l', nonce, expires_at: 5 });
  const byNonce = preparedList<{ integration_id: string }, { nonce: string }>((q, p, list) =>
    q.selectFrom('signed_nonces').select('nonce').where('signer_id', '=', p.integration_id).where('nonce', 'in', list as string[]),
  );
  for (const n of [0, 1, 8, 9, 64, 65, 500, 501, 620]) {
    const want = nonces.slice(0, n);
    const got = (await byNonce.rows(db, { integration_id: 'int_l' }, [...want, 'absent'])).map((r) => r.nonce).sort();
    assert.deepEqual(got, [...want].sort(), `list of ${n}`);
  }
  const expire = preparedList<{ at: number }>((q, p, list) => q.updateTable('signed_nonces').set({ expires_at: p.at }).where('nonce', 'in', list as string[]));
  assert.equal(await expire.changes(db, { at: 7 }, nonces.slice(100, 610)), 510);
  const changed = await db.selectFrom('signed_nonces').select((eb) => eb.fn.countAll<number>().as('n')).where('expires_at', '=', 7).executeTakeFirstOrThrow();
  assert.equal(Number(changed.n), 510);
});
