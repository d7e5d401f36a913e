// What only the PostgreSQL store has: its URL, its int8 parsing, its migration lock, and a
// schema whose types hold what the code writes. (The repositories' own tests run on both stores.)
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { MIGRATION_LOCK_KEY, migrate, openDatabase, parseInt8, type DB } from './db.js';
import { openPostgresStore, postgresUnavailable, type TestStore } from './testing.js';

test('int8 comes back as a number, and a value past 2^53 fails instead of being rounded', () => {
  assert.equal(parseInt8('1700000000000000'), 1_700_000_000_000_000);
  assert.equal(parseInt8('-42'), -42);
  assert.equal(parseInt8(String(Number.MAX_SAFE_INTEGER)), Number.MAX_SAFE_INTEGER);
  assert.throws(() => parseInt8('9007199254740993'), RangeError);
});

const skip = await postgresUnavailable();
const run = promisify(execFile);
/** The CLI's data folder (its generated keys); the store itself is the test's database. */
const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-migrate-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

const applied = async (db: DB) => (await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db)).rows.map((r) => r.name);

describe('PostgreSQL store', { skip }, () => {
  let store: TestStore;
  before(async () => {
    store = await openPostgresStore(undefined, { migrate: false });
  });
  after(() => store.close());

  test('switchboard migrate: three processes started together each finish, and every migration ran once', async () => {
    const migrateCommand = () =>
      run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'migrate'], { env: { ...process.env, DATABASE_URL: store.url, SWITCHBOARD_DATA_DIR: dataDir } });
    const outputs = await Promise.all([migrateCommand(), migrateCommand(), migrateCommand()]);
    for (const o of outputs) assert.equal(o.stdout, 'database is up to date\n');
    const names = await applied(store.db);
    assert.equal(new Set(names).size, names.length);
    assert.ok(names.includes('001_initial') && names.includes('013_postgres_date_parse'), names.join());
  });

  test('migrate waits while another process holds the migration lock', async () => {
    const holder = openDatabase(store.url);
    try {
      await holder.connection().execute(async (conn) => {
        await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(conn);
        let done = false;
        const waiting = migrate(store.db).then(() => (done = true));
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(done, false, 'migrate ran while the lock was held');
        await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(conn);
        await waiting;
      });
    } finally {
      await holder.destroy();
    }
  });

  test('every time column is a bigint, and bigints come back as numbers', async () => {
    const { rows } = await sql<{ table_name: string; column_name: string; data_type: string }>`
      select table_name, column_name, data_type from information_schema.columns
      where table_schema = 'public' and (right(column_name, 3) = '_at' or right(column_name, 6) = '_at_us')`.execute(store.db);
    assert.ok(rows.length > 20, 'the schema has its time columns');
    assert.deepEqual(rows.filter((r) => r.data_type !== 'bigint').map((r) => `${r.table_name}.${r.column_name}: ${r.data_type}`), []);
    const { rows: counted } = await sql<{ n: unknown; big: unknown }>`select count(*) as n, ${1_700_000_000_000_000}::bigint as big`.execute(store.db);
    assert.deepEqual(counted, [{ n: 1, big: 1_700_000_000_000_000 }]);
  });

  test('an attribute date reads as NULL when it is no date or an impossible one, and as UTC without an offset', async () => {
    const read = async (value: string) =>
      (await sql<{ at: Date | null }>`select switchboard_timestamptz(${value}) as at`.execute(store.db)).rows[0]!.at?.toISOString() ?? null;
    assert.equal(await read('2026-01-10'), '2026-01-10T00:00:00.000Z');
    assert.equal(await read('2025-11-30T23:00:00-02:00'), '2025-12-01T01:00:00.000Z');
    assert.equal(await read('2026-06-10T08:00:00.250Z'), '2026-06-10T08:00:00.250Z');
    for (const bad of ['last year', '2026-02-30', '2026-13-01', '10/01/2026', '']) assert.equal(await read(bad), null, bad);
  });
});
