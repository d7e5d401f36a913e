import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { migrate, openDatabase } from '../db.js';
import { integrationRow, projectRow } from '../fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'migration-006-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('integrations stored before it have never been verified', async () => {
  const db = openDatabase(`sqlite://${join(dir, 'db.sqlite')}`);
  await migrate(db, '005_unknown_outcomes');
  // Written with the schema as it was then.
  const old = db as any;
  await old.insertInto('projects').values(projectRow('prj_1')).execute();
  const { last_verified_at: _a, last_verify_result: _b, ...integration } = integrationRow('int_1', 'prj_1');
  await old.insertInto('integrations').values(integration).execute();

  await migrate(db);
  const rows = await db.selectFrom('integrations').select(['id', 'last_verified_at', 'last_verify_result']).execute();
  assert.deepEqual(rows, [{ id: 'int_1', last_verified_at: null, last_verify_result: null }]);
  await db.destroy();
});
