// The database a bench hub runs on, and a read connection to it for measuring: the hub's SQLite
// file (the default), or a PostgreSQL database created for the hub and dropped after it
// (`--store postgres`; the server from BENCH_POSTGRES_URL, by default the local one with trust
// auth). Measuring queries are written once, with `?` placeholders, and run on either.
import SQLite from 'better-sqlite3';
import pg from 'pg';

export type StoreKind = 'sqlite' | 'postgres';

/** The server's maintenance database, where bench databases are created and dropped from. */
export const POSTGRES_ADMIN_URL = process.env.BENCH_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

/** A read (and, for setup, write) connection to a hub's database. */
export interface BenchDb {
  get<T>(sql: string, ...params: unknown[]): Promise<T | undefined>;
  all<T>(sql: string, ...params: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/** Counts and times come back as numbers on both stores (PostgreSQL's bigint and numeric included). */
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 || oid === 1700) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  },
};

/** `?` → `$1, $2, …` outside quoted strings. */
export function numberedPlaceholders(sql: string): string {
  let n = 0;
  let quoted = false;
  let out = '';
  for (const ch of sql) {
    if (ch === "'") quoted = !quoted;
    out += ch === '?' && !quoted ? `$${++n}` : ch;
  }
  return out;
}

export function postgresUrl(database: string): string {
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${database}`;
  return url.href;
}

export async function connectPostgres(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, types: pgTypes, connectionTimeoutMillis: 5000 });
  await client.connect();
  return client;
}

export function openPostgresDb(url: string): BenchDb {
  let client: Promise<pg.Client> | undefined;
  const conn = () => (client ??= connectPostgres(url));
  return {
    async get<T>(sql: string, ...params: unknown[]) {
      const res = await (await conn()).query(numberedPlaceholders(sql), params);
      return res.rows[0] as T | undefined;
    },
    async all<T>(sql: string, ...params: unknown[]) {
      const res = await (await conn()).query(numberedPlaceholders(sql), params);
      return res.rows as T[];
    },
    async close() {
      if (client) await (await client).end();
    },
  };
}

/** The hub's SQLite file, read-only, for counting what it did. */
export function openSqliteDb(path: string): BenchDb {
  const db = new SQLite(path, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  // Measuring asks the same few questions many times (a lag per answered report).
  const statements = new Map<string, SQLite.Statement>();
  const statement = (sql: string) => statements.get(sql) ?? statements.set(sql, db.prepare(sql)).get(sql)!;
  return {
    get: async <T>(sql: string, ...params: unknown[]) => statement(sql).get(...params) as T | undefined,
    all: async <T>(sql: string, ...params: unknown[]) => statement(sql).all(...params) as T[],
    close: async () => void db.close(),
  };
}

/** Runs statements on the maintenance database. */
export async function adminQuery(...statements: string[]): Promise<void> {
  const client = await connectPostgres(POSTGRES_ADMIN_URL);
  try {
    for (const s of statements) await client.query(s);
  } finally {
    await client.end();
  }
}

let made = 0;

/** A fresh database name, unique to this bench run. */
export function benchDatabaseName(): string {
  return `switchboard_bench_${process.pid}_${Date.now().toString(36)}_${made++}`;
}

/** Creates an empty database, or a copy of `template` (which must have no open connections). */
export async function createPostgresDatabase(template?: string): Promise<string> {
  const name = benchDatabaseName();
  await adminQuery(template ? `create database ${name} template ${template}` : `create database ${name}`);
  return name;
}

export async function dropPostgresDatabase(name: string): Promise<void> {
  await adminQuery(`drop database if exists ${name} with (force)`);
}

/** Whether a PostgreSQL server answers: the bench refuses `--store postgres` up front when not. */
export async function postgresReachable(): Promise<string | null> {
  try {
    await adminQuery('select 1');
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
