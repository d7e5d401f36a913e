// Opens the store named by DATABASE_URL and brings its schema up to date.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresAdapter, PostgresDialect, SqliteDialect, sql, type Migration, type MigrationProvider } from 'kysely';
import pg from 'pg';
import { parseDatabaseUrl } from '../config.js';
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
import * as m013 from './migrations/013_postgres_date_parse.js';
import * as m014 from './migrations/014_callback_digests.js';
import * as m015 from './migrations/015_message_fallback.js';
import * as m016 from './migrations/016_campaign_fallback.js';
import * as m017 from './migrations/017_message_attempts.js';
import * as m018 from './migrations/018_provider_id_index_partial.js';
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
  '013_postgres_date_parse': m013,
  '014_callback_digests': m014,
  '015_message_fallback': m015,
  '016_campaign_fallback': m016,
  '017_message_attempts': m017,
  '018_provider_id_index_partial': m018,
};

class InCodeMigrations implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations;
  }
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

/** Whether `db` is a PostgreSQL store (where a query needs its own spelling). */
export function isPostgres(db: DB | Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * PostgreSQL's deadlock_detected and serialization_failure: the server aborted a transaction for
 * another's sake, nothing is wrong with the work itself, and it may simply be run again.
 */
export function isTransientConflict(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}

const INT8_OID = 20;

/**
 * PostgreSQL's bigint (int8) as a JavaScript number. pg hands int8 over as a string, because it
 * may exceed 2^53; the schema's bigint columns hold epoch milliseconds (~2^41), microseconds
 * (sent_at_us, ~2^51 until the year 2255), row ids and counts, all far below 2^53, and the code
 * reads them as numbers, as SQLite gives them. A value that would lose precision fails loudly
 * instead of being rounded. Set on this store's pool only, not pg's global parsers.
 */
export function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`bigint ${text} does not fit a JavaScript number exactly`);
  return n;
}

const builtinParser = pg.types.getTypeParser as (oid: number, format?: 'text' | 'binary') => (value: string) => unknown;
const pgTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === INT8_OID && format !== 'binary' ? parseInt8 : builtinParser(oid, format))) as pg.CustomTypesConfig['getTypeParser'],
};

function openPostgres(url: string, poolSize: number): DB {
  const pool = new pg.Pool({ connectionString: url, types: pgTypes, max: poolSize });
  // An idle connection that the server drops (a restart, a network cut) is reported here; without
  // a listener the process would die. The pool discards it and the next query opens another.
  pool.on('error', () => undefined);
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/** Opens the store; `poolSize`: PostgreSQL connections at most (pg's default, 10). */
export function openDatabase(databaseUrl: string, options: { poolSize?: number } = {}): DB {
  const target = parseDatabaseUrl(databaseUrl);
  if (target.kind === 'postgres') return openPostgres(target.url, options.poolSize ?? 10);
  const { path } = target;
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

/**
 * The PostgreSQL advisory lock that `migrate` holds while it runs: processes that start together
 * migrate one after the other (the later ones find nothing left to do). A fixed key ("swbdmigr"
 * in ASCII), held from before Kysely's migrator creates its bookkeeping tables (its own lock comes
 * only after that) until the last migration ran.
 */
export const MIGRATION_LOCK_KEY = 0x73776264_6d696772n;

/** Brings the schema up to date, or (for tests of a migration) up to the one named. */
export async function migrate(db: DB, upTo?: string): Promise<void> {
  if (!isPostgres(db)) return runMigrations(db, upTo);
  // A session lock, on one connection held for the whole run: the migrations run on it too.
  await db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(conn);
    try {
      await runMigrations(conn, upTo);
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(conn);
    }
  });
}

async function runMigrations(db: DB, upTo?: string): Promise<void> {
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

/**
 * Lets the transaction `trx` commit without waiting for the server to flush it to disk
 * (PostgreSQL's `synchronous_commit = off` for this transaction; SQLite: nothing changes). For
 * work that is not acknowledged when it commits, and that is safe to do again if a server crash
 * loses it: the log is flushed in order, so the next commit that does wait (or anything that read
 * this transaction's rows and committed) makes it durable too.
 */
export async function commitWithoutWaitingForFlush(trx: DB): Promise<void> {
  if (isPostgres(trx)) await sql`set local synchronous_commit = off`.execute(trx);
}
