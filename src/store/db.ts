// Opens the store named by DATABASE_URL and brings its schema up to date.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type Migration, type MigrationProvider } from 'kysely';
import * as m001 from './migrations/001_initial.js';
import type { Database } from './schema.js';

export type DB = Kysely<Database>;

// The SQLite connection behind a Kysely instance, for the few hot paths that use prepared
// statements directly (bulk inserts). Absent on other dialects, which take the Kysely path.
const sqliteOf = new WeakMap<object, SQLite.Database>();

export function sqliteConnection(db: DB): SQLite.Database | undefined {
  return sqliteOf.get(db);
}

const migrations: Record<string, Migration> = {
  '001_initial': m001,
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

export function openDatabase(databaseUrl: string): DB {
  const path = sqlitePath(databaseUrl);
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SQLite(path);
  // WAL lets readers run beside the writer; FULL sync makes every commit survive power loss,
  // not just a killed process: what we acknowledge must never be lost.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  cachePreparedStatements(sqlite);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  sqliteOf.set(db, sqlite);
  return db;
}

export async function migrate(db: DB): Promise<void> {
  const migrator = new Migrator({ db, provider: new InCodeMigrations() });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
