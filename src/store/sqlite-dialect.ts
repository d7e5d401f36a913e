// Kysely's SQLite dialect, with one change: a write is durable before Kysely hands back its
// result. The connection runs with `synchronous = NORMAL` (commits are written to the WAL but not
// flushed, so the event loop never waits for the disk); after a statement that commits (a
// COMMIT, or a write outside any transaction) this driver waits for a WAL flush on the thread
// pool (wal.ts) before resolving. Whoever acknowledges after awaiting a write therefore
// acknowledges only what survives a power cut, as with `synchronous = FULL`.
import type SQLite from 'better-sqlite3';
import { SqliteDialect, type CompiledQuery, type DatabaseConnection, type Driver, type QueryResult, type TransactionSettings } from 'kysely';
import type { WalSync } from './wal.js';

export class FlushingSqliteDialect extends SqliteDialect {
  readonly #sqlite: SQLite.Database;
  readonly #wal: WalSync;

  constructor(sqlite: SQLite.Database, wal: WalSync) {
    super({ database: sqlite });
    this.#sqlite = sqlite;
    this.#wal = wal;
  }

  override createDriver(): Driver {
    return new FlushingDriver(super.createDriver(), this.#sqlite, this.#wal);
  }
}

/** Whether running `stmt` just made something durable-pending: it ended a transaction, or wrote outside one. */
export function committed(sqlite: SQLite.Database, stmt: Pick<SQLite.Statement, 'readonly'>, wasInTransaction: boolean): boolean {
  if (sqlite.inTransaction) return false;
  // COMMIT reports itself read-only (it changes no rows itself), hence the transaction state.
  return wasInTransaction || !stmt.readonly;
}

class FlushingConnection implements DatabaseConnection {
  constructor(
    private readonly inner: DatabaseConnection,
    private readonly sqlite: SQLite.Database,
    private readonly wal: WalSync,
  ) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const wasInTransaction = this.sqlite.inTransaction;
    const result = await this.inner.executeQuery<R>(query);
    // The statement is in the connection's prepared-statement cache (db.ts): this is a lookup.
    if (committed(this.sqlite, this.sqlite.prepare(query.sql), wasInTransaction)) await this.wal.sync();
    return result;
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    // Streams are for reads; nothing to flush.
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

class FlushingDriver implements Driver {
  #connection: FlushingConnection | null = null;

  constructor(
    private readonly inner: Driver,
    private readonly sqlite: SQLite.Database,
    private readonly wal: WalSync,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const inner = await this.inner.acquireConnection();
    // SQLite has one connection: wrap it once.
    return (this.#connection ??= new FlushingConnection(inner, this.sqlite, this.wal));
  }

  // The inner driver runs BEGIN/COMMIT/SAVEPOINT through the connection it is given, so passing
  // the wrapper makes COMMIT wait for its flush too.
  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection);
  }

  savepoint: Driver['savepoint'] = (connection, name, compile) => this.inner.savepoint!(connection, name, compile);
  rollbackToSavepoint: Driver['rollbackToSavepoint'] = (connection, name, compile) => this.inner.rollbackToSavepoint!(connection, name, compile);
  releaseSavepoint: Driver['releaseSavepoint'] = (connection, name, compile) => this.inner.releaseSavepoint!(connection, name, compile);

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(connection);
  }

  async destroy(): Promise<void> {
    await this.wal.close();
    await this.inner.destroy();
  }
}
