// A fresh, migrated store for repository tests (not a test file itself). Tests take their store
// from here and never open one themselves, so the same tests can run against another database
// by changing this one function.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, openDatabase, type DB } from './db.js';

export interface TestStore {
  db: DB;
  close(): Promise<void>;
}

export async function openTestStore(): Promise<TestStore> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-store-'));
  const db = openDatabase(`sqlite://${join(dir, 'store.sqlite')}`);
  await migrate(db);
  return {
    db,
    async close() {
      await db.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
