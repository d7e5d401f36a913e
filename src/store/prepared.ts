// Queries built once with Kysely and run many times. Building and compiling a Kysely query costs
// more than SQLite takes to run a small statement, and the hot paths (a webhook's insert, an
// event, a send's outcome) run the same few statements thousands of times a second. A prepared
// query is written with named placeholders where its values go, compiled on first use, and on
// SQLite run as a cached prepared statement on the connection; other dialects get the compiled
// SQL through Kysely, so the query stays portable and typed against the schema.
import type SQLite from 'better-sqlite3';
import type { Compilable, CompiledQuery, QueryResult } from 'kysely';
import { directSqlite, walSync, type DB } from './db.js';
import { committed } from './sqlite-dialect.js';

/** Stands for a named parameter while the query is compiled. */
class Placeholder {
  constructor(readonly name: string) {}
}

/** Stands for the i-th value of a list parameter while the query is compiled. */
class ListItem {
  constructor(readonly index: number) {}
}

/** What the builder sees: each parameter "is" its value (really a placeholder, swapped at run time). */
export type Placeholders<P> = { readonly [K in keyof P]: P[K] };

type Slot = { name: string } | { item: number } | { constant: unknown };

/** One compiled statement: its SQL, and where each bound value comes from. */
class Statement<R> {
  readonly #compiled = new Map<unknown, { query: CompiledQuery; slots: Slot[] }>();
  readonly #prepared = new WeakMap<SQLite.Database, SQLite.Statement>();

  constructor(private readonly build: (db: DB) => Compilable<R>) {}

  async execute(db: DB, params: Record<string, unknown>, list: readonly unknown[] = []): Promise<QueryResult<R>> {
    const { query, slots } = this.#compile(db);
    const args = new Array<unknown>(slots.length);
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!;
      // Past the end of a list: null, which `in (…)` never matches.
      args[i] = 'name' in s ? params[s.name] : 'item' in s ? (list[s.item] ?? null) : s.constant;
    }
    const sqlite = directSqlite(db);
    if (!sqlite) return db.executeQuery<R>({ ...query, parameters: args });
    let stmt = this.#prepared.get(sqlite);
    if (!stmt) this.#prepared.set(sqlite, (stmt = sqlite.prepare(limitsAsExpressions(query.sql))));
    const wasInTransaction = sqlite.inTransaction;
    let result: QueryResult<R>;
    if (stmt.reader) {
      result = { rows: stmt.all(args) as R[] };
    } else {
      const { changes, lastInsertRowid } = stmt.run(args);
      result = { rows: [], numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid) };
    }
    // A write outside any transaction committed by itself: durable before it is reported.
    if (committed(sqlite, stmt, wasInTransaction)) await walSync(sqlite)?.sync();
    return result;
  }

  #compile(db: DB) {
    // Per dialect (adapter class): one process may hold stores of two dialects.
    const dialect = db.getExecutor().adapter.constructor;
    let compiled = this.#compiled.get(dialect);
    if (!compiled) {
      const query = this.build(db).compile();
      const slots = query.parameters.map((v): Slot => (v instanceof Placeholder ? { name: v.name } : v instanceof ListItem ? { item: v.index } : { constant: v }));
      this.#compiled.set(dialect, (compiled = { query, slots }));
    }
    return compiled;
  }
}

/**
 * SQLite (built with STAT4, as better-sqlite3 is) plans LIMIT and OFFSET with the values bound
 * to them, so binding one expires the statement and the next run prepares it again: 4–5 times
 * the cost of a small indexed lookup, on every run. As an expression (`? + 0`) the value is
 * only read when the statement runs. Kysely passes every value as a parameter, `limit(1)` too.
 */
export function limitsAsExpressions(sql: string): string {
  return sql.replace(/\b(limit|offset) \?(?=\s|\)|$)/gi, '$1 (? + 0)');
}

function placeholders<P>(): Placeholders<P> {
  return new Proxy({} as Placeholders<P>, {
    get: (_target, name) => new Placeholder(String(name)),
    // Spread or listed, the object has no keys and the query would silently lose its values.
    ownKeys: () => {
      throw new Error('a prepared query names each placeholder (p.column); the placeholder object cannot be spread');
    },
  });
}

export class PreparedQuery<P extends object, R> {
  readonly #statement: Statement<R>;

  constructor(build: (db: DB, p: Placeholders<P>) => Compilable<R>) {
    this.#statement = new Statement((db) => build(db, placeholders<P>()));
  }

  /** Runs the query in `db` (a Kysely instance or a transaction) with these values. */
  execute(db: DB, params: P): Promise<QueryResult<R>> {
    return this.#statement.execute(db, params as Record<string, unknown>);
  }

  async rows(db: DB, params: P): Promise<R[]> {
    return (await this.execute(db, params)).rows;
  }

  async first(db: DB, params: P): Promise<R | undefined> {
    return (await this.execute(db, params)).rows[0];
  }

  /** Rows the statement inserted, updated or deleted. */
  async changes(db: DB, params: P): Promise<number> {
    return Number((await this.execute(db, params)).numAffectedRows ?? 0n);
  }
}

/** A query compiled once; see PreparedQuery. */
export function prepared<P extends object, R = unknown>(build: (db: DB, p: Placeholders<P>) => Compilable<R>): PreparedQuery<P, R> {
  return new PreparedQuery(build);
}

/**
 * `in (…)` lists are compiled at these lengths, padded with nulls, and split beyond the last.
 * Sizes double: SQLite pays for every item, nulls too (13 ids padded to 64 cost a third more
 * than padded to 16, to 500 three times as much).
 */
const LIST_SIZES: readonly number[] = [8, 16, 32, 64, 128, 256, 500];
const MAX_LIST = 500;

/**
 * A query with one `in (…)` list of any length, e.g. `where id in (…ids)`. Each of a few list
 * lengths is its own prepared statement; a list is padded with nulls up to the next length
 * (`x in (…, null)` is never true for the nulls, so use it with `in`, never `not in`) and a
 * longer one runs in chunks, whose results are concatenated.
 */
export class PreparedListQuery<P extends object, R> {
  readonly #bySize = new Map<number, Statement<R>>();

  constructor(private readonly build: (db: DB, p: Placeholders<P>, list: readonly unknown[]) => Compilable<R>) {}

  async rows(db: DB, params: P, list: readonly unknown[]): Promise<R[]> {
    const out: R[] = [];
    for (let start = 0; start < list.length; start += MAX_LIST) {
      const chunk = list.slice(start, start + MAX_LIST);
      for (const row of (await this.#statement(chunk.length).execute(db, params as Record<string, unknown>, chunk)).rows) out.push(row);
    }
    return out;
  }

  /** Rows the statement changed, over all chunks. */
  async changes(db: DB, params: P, list: readonly unknown[]): Promise<number> {
    let n = 0;
    for (let start = 0; start < list.length; start += MAX_LIST) {
      const chunk = list.slice(start, start + MAX_LIST);
      n += Number((await this.#statement(chunk.length).execute(db, params as Record<string, unknown>, chunk)).numAffectedRows ?? 0n);
    }
    return n;
  }

  #statement(length: number): Statement<R> {
    const size = LIST_SIZES.find((n) => n >= length) ?? MAX_LIST;
    let s = this.#bySize.get(size);
    if (!s) {
      const items = Array.from({ length: size }, (_, i) => new ListItem(i));
      this.#bySize.set(size, (s = new Statement((db) => this.build(db, placeholders<P>(), items))));
    }
    return s;
  }
}

/** A query with one `in (…)` list; see PreparedListQuery. */
export function preparedList<P extends object, R = unknown>(
  build: (db: DB, p: Placeholders<P>, list: readonly unknown[]) => Compilable<R>,
): PreparedListQuery<P, R> {
  return new PreparedListQuery(build);
}
