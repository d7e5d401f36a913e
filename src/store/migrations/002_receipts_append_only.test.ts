import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { migrate, openDatabase, sqliteConnection } from '../db.js';

const dir = mkdtempSync(join(tmpdir(), 'migration-002-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const row = (id: number, body: string, processed: boolean) => ({
  id,
  project_id: 'prj_1',
  source: 'webhook' as const,
  integration_id: 'int_1',
  route: 'delivery',
  query: '',
  content_type: 'application/json',
  body: Buffer.from(body),
  body_hash: `hash-${body}`,
  received_at: 1000 + id,
  processed_at: processed ? 2000 + id : null,
  defer_until: null,
  outcome: processed ? 'applied' : null,
});

test('receipts keep their rows and ids, lose the unique content index, and pending ones get a partial index', async () => {
  const db = openDatabase(`sqlite://${join(dir, 'db.sqlite')}`);
  await migrate(db, '001_initial');
  // Rows as the schema had them then, not as the current types say.
  const old = db as any;
  await old.insertInto('receipts').values([row(7, 'a', true), row(9, 'b', false)]).execute();
  await assert.rejects(old.insertInto('receipts').values({ ...row(10, 'a', false) }).execute(), /UNIQUE/);

  await migrate(db, '002_receipts_append_only');
  const rows = await old.selectFrom('receipts').selectAll().orderBy('id').execute();
  assert.deepEqual(
    rows.map((r: any) => [r.id, Buffer.from(r.body).toString(), r.processed_at, r.outcome]),
    [
      [7, 'a', 2007, 'applied'],
      [9, 'b', null, null],
    ],
  );
  // The same bytes may be stored again (the writer decides), and ids go on from the last one.
  await old.insertInto('receipts').values({ ...row(0, 'a', false), id: undefined }).execute();
  const last = await old.selectFrom('receipts').select('id').orderBy('id', 'desc').executeTakeFirstOrThrow();
  assert.equal(last.id, 10);
  const sqlite = sqliteConnection(db)!;
  const index = sqlite.prepare("select sql from sqlite_master where type = 'index' and name = 'receipts_pending'").get() as { sql: string };
  assert.match(index.sql, /where "processed_at" is null/i);
  const plan = sqlite.prepare('explain query plan select id from receipts where processed_at is null order by id limit 5').all() as { detail: string }[];
  assert.ok(plan.some((p) => p.detail.includes('receipts_pending')), JSON.stringify(plan));
  await db.destroy();
});
