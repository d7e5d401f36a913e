import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { migrate, openDatabase } from '../db.js';
import { campaignRow, projectRow } from '../fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'migration-010-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('campaigns stored before it are unscheduled and have cancelled nothing', async () => {
  const db = openDatabase(`sqlite://${join(dir, 'db.sqlite')}`);
  await migrate(db, '007_missing_variable_policy');
  // Written with the schema as it was then.
  const old = db as any;
  await old.insertInto('projects').values(projectRow('prj_1')).execute();
  const { send_at: _a, cancelled_messages: _b, ...campaign } = campaignRow('cmp_1', 'prj_1', { state: 'launched' });
  await old.insertInto('campaigns').values(campaign).execute();

  await migrate(db);
  const rows = await db.selectFrom('campaigns').select(['id', 'state', 'send_at', 'cancelled_messages']).execute();
  assert.deepEqual(rows, [{ id: 'cmp_1', state: 'launched', send_at: null, cancelled_messages: null }]);
  await db.destroy();
});
