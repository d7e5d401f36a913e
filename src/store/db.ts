// Opens the store named by DATABASE_URL and brings its schema up to date.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type Migration, type MigrationProvider } from 'kysely';
import * as m001 from './migrations/001_initial.js';
import * as m002 from './migrations/002_receipts_append_only.js';
import * as m003 from './migrations/003_internal_statuses.js';
import * as m004 from './migrations/004_idempotency_fingerprint.js';
import * as m005 from './migrations/005_unknown_outcomes.js';
import * as m006 from './migrations/006_integration_verify.js';
import * as m007 from './migrations/007_missing_variable_policy.js';
import * as m008 from './migrations/008_customer_data.js';
import * as m009 from './migrations/009_audiences.js';
import * as m010 from './migrations/010_campaign_control.js';
import * as m011 from './migrations/011_campaign_stats_indexes.js';
import * as m012 from './migrations/012_console_sessions.js';
import type { Database } from './schema.js';
import { FlushingSqliteDialect } from './sqlite-dialect.js';
import { WalSync } from './wal.js';

export type DB = Kysely<Database>;

// The SQLite connection behind a Kysely instance, for the hot paths that run prepared statements
// on it directly. Keyed by the dialect adapter, which a Kysely instance shares with its
// transactions. Absent on other dialects, which take the Kysely path.
const sqliteOf = new WeakMap<object, SQLite.Database>();
const walOf = new WeakMap<SQLite.Database, WalSync>();

/**
 * The WAL flush of a file-backed SQLite store: whoever commits on the connection directly (not
 * through Kysely) waits for `sync()` before acknowledging. Absent for other stores.
 */
export function walSync(sqlite: SQLite.Database): WalSync | undefined {
  return walOf.get(sqlite);
}

/**
 * The SQLite connection behind `db` (a Kysely instance or one of its transactions) when a
 * statement may run on it directly: inside a transaction, which holds the one connection, or
 * when no transaction is open. While someone else's transaction is open, a direct statement
 * would run inside it, so the caller gets undefined and takes the Kysely path, which waits.
 */
export function directSqlite(db: DB): SQLite.Database | undefined {
  const sqlite = sqliteOf.get(db.getExecutor().adapter);
  if (!sqlite) return undefined;
  return db.isTransaction || holders.has(db) || !sqlite.inTransaction ? sqlite : undefined;
}

/** The SQLite connection behind `db` whatever it is doing, for code that runs its own transactions. */
export function sqliteConnection(db: DB): SQLite.Database | undefined {
  return sqliteOf.get(db.getExecutor().adapter);
}

/** Kysely instances bound to a connection reserved by withConnection. */
const holders = new WeakSet<DB>();

/**
 * Runs `fn` with the store's connection reserved for it: no other Kysely query runs until it
 * settles, and statements through `conn` may use the SQLite connection directly.
 */
export async function withConnection<T>(db: DB, fn: (conn: DB) => Promise<T>): Promise<T> {
  return db.connection().execute(async (conn) => {
    holders.add(conn);
    try {
      return await fn(conn);
    } finally {
      holders.delete(conn);
    }
  });
}

const migrations: Record<string, Migration> = {
  '001_initial': m001,
  '002_receipts_append_only': m002,
  '003_internal_statuses': m003,
  '004_idempotency_fingerprint': m004,
  '005_unknown_outcomes': m005,
  '006_integration_verify': m006,
  '007_missing_variable_policy': m007,
  '008_customer_data': m008,
  '009_audiences': m009,
  '010_campaign_control': m010,
  '011_campaign_stats_indexes': m011,
  '012_console_sessions': m012,
};

class InCodeMigrations implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations;
  }
}

export function sqlitePath(databaseUrl: string): string {
  if (databaseUrl.startsWith('sqlite://')) return databaseUrl.slice('sqlite://'.length);
  if (databaseUrl.startsWith('file:')) return databaseUrl.slice('file:'.length);
  throw new Error(`unsupported DATABASE_URL "${databaseUrl.replace(/\/\/[^@]*@/, '//***@')}": use sqlite://<path>`);
}

/**
 * Kysely prepares every query anew; preparing costs as much as running a small statement. The
 * same SQL text is now prepared once and reused (statements run to completion synchronously, so
 * one object serves every caller). Bounded, oldest out first.
 */
function cachePreparedStatements(sqlite: SQLite.Database, max = 1000): void {
  const prepare = sqlite.prepare.bind(sqlite);
  const cache = new Map<string, SQLite.Statement>();
  sqlite.prepare = ((source: string) => {
    let stmt = cache.get(source);
    if (stmt) {
      cache.delete(source);
    } else {
      stmt = prepare(source);
      if (cache.size >= max) cache.delete(cache.keys().next().value!);
    }
    cache.set(source, stmt);
    return stmt;
  }) as typeof sqlite.prepare;
}

/**
 * The database holds customer data and message bodies: owner-only. SQLite gives its -wal and
 * -shm files the database file's permissions, so creating (or tightening) that file first covers
 * them too.
 */
function ownerOnly(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  closeSync(openSync(path, 'a', 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    if (existsSync(file) && (statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  }
}

export function openDatabase(databaseUrl: string): DB {
  const path = sqlitePath(databaseUrl);
  if (path !== ':memory:') ownerOnly(path);
  const sqlite = new SQLite(path);
  // WAL lets readers run beside the writer. Commits are flushed to disk before anything about
  // them is acknowledged, so they survive power loss, not just a killed process; the flush runs
  // off the event loop (sqlite-dialect.ts, wal.ts), hence NORMAL rather than FULL here.
  const wal = sqlite.pragma('journal_mode = WAL', { simple: true }) === 'wal' && !sqlite.memory;
  sqlite.pragma(wal ? 'synchronous = NORMAL' : 'synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  cachePreparedStatements(sqlite);
  let dialect: SqliteDialect = new SqliteDialect({ database: sqlite });
  if (wal) {
    const flush = new WalSync(`${sqlite.name}-wal`);
    walOf.set(sqlite, flush);
    dialect = new FlushingSqliteDialect(sqlite, flush);
  }
  const db = new Kysely<Database>({ dialect });
  sqliteOf.set(db.getExecutor().adapter, sqlite);
  return db;
}

/** Brings the schema up to date, or (for tests of a migration) up to the one named. */
export async function migrate(db: DB, upTo?: string): Promise<void> {
  const migrator = new Migrator({ db, provider: new InCodeMigrations() });
  const { error, results } = upTo ? await migrator.migrateTo(upTo) : await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Runs `fn` in one transaction on `db`: committed when it resolves, rolled back when it throws.
 * Services use it instead of the query builder's own transaction API.
 */
export async function inTransaction<T>(db: DB, fn: (trx: DB) => Promise<T>): Promise<T> {
  return db.transaction().execute(fn);
}
