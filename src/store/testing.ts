// Fresh, migrated stores for repository tests (not a test file itself). Tests take their store
// from here and never open one themselves, so the same tests run against every database the hub
// supports: embedded SQLite always, and PostgreSQL when a server answers (TEST_POSTGRES_URL,
// by default postgres://postgres@127.0.0.1:5432/postgres; CI has one). Each PostgreSQL store is a
// database of its own, created for the test and dropped when it closes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { redactDatabaseUrl } from '../config.js';
import { migrate, openDatabase, type DB } from './db.js';

export interface TestStore {
  db: DB;
  /** The DATABASE_URL of this store, for another process (or connection) to open it too. */
  url: string;
  close(): Promise<void>;
}

export type StoreKind = 'sqlite' | 'postgres';

export interface StoreBackend {
  kind: StoreKind;
  /** Why this backend's tests are skipped (no server); false when they run. */
  skip: string | false;
  /** A fresh store, migrated to the latest schema or up to the migration named. */
  open(upTo?: string): Promise<TestStore>;
}

/** The server's maintenance database: where test databases are created and dropped from. */
const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

async function openSqliteStore(upTo?: string): Promise<TestStore> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-store-'));
  const url = `sqlite://${join(dir, 'store.sqlite')}`;
  const db = openDatabase(url);
  await migrate(db, upTo);
  return {
    db,
    url,
    async close() {
      await db.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs one statement on the maintenance database. */
async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

let created = 0;

/** A database of its own: unique to this process and call, dropped (connections and all) on close. */
export async function openPostgresStore(upTo?: string, options: { migrate?: boolean } = {}): Promise<TestStore> {
  const name = `switchboard_test_${process.pid}_${Date.now().toString(36)}_${created++}`;
  await admin(`create database ${name}`);
  // A test database is dropped at the end anyway: commits need not wait for the disk.
  await admin(`alter database ${name} set synchronous_commit = off`);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  const db = openDatabase(url.href);
  try {
    if (options.migrate !== false) await migrate(db, upTo);
  } catch (err) {
    await db.destroy();
    await admin(`drop database if exists ${name} with (force)`);
    throw err;
  }
  return {
    db,
    url: url.href,
    async close() {
      await db.destroy();
      await admin(`drop database if exists ${name} with (force)`);
    },
  };
}

let probe: Promise<string | false> | undefined;

/** False when a PostgreSQL server answers; otherwise why not, for the skip message. Asked once per process. */
export function postgresUnavailable(): Promise<string | false> {
  return (probe ??= admin('select 1').then(
    () => false,
    (err: unknown) => `no PostgreSQL server answers at ${redactDatabaseUrl(POSTGRES_ADMIN_URL)} (${err instanceof Error ? err.message : String(err)}): its half of the store tests is skipped`,
  ));
}

/** The backends a repository test runs against: SQLite, then PostgreSQL (skipped, with the reason, when there is no server). */
export async function storeBackends(): Promise<StoreBackend[]> {
  return [
    { kind: 'sqlite', skip: false, open: openSqliteStore },
    { kind: 'postgres', skip: await postgresUnavailable(), open: (upTo) => openPostgresStore(upTo) },
  ];
}

/** A fresh SQLite store: for tests of code above the repositories, which run on the default store. */
export function openTestStore(): Promise<TestStore> {
  return openSqliteStore();
}

/**
 * PostgreSQL: how many sessions of `db`'s database wait for a lock, so a test can act once a
 * transaction is blocked rather than after a guessed delay.
 */
export async function sessionsWaitingForLocks(db: DB): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(db);
  return rows[0]?.n ?? 0;
}
