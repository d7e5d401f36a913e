// Group commit for request-path writes. A transaction per request would pay one commit and one
// fsync per request. Work queued here runs in one shared transaction per turn of the event loop,
// each piece behind its own savepoint so one failure undoes only its own writes, and every caller
// learns its result once the transaction is durable.
//
// On SQLite the group runs its own transaction on the reserved connection, with statements
// prepared once, and waits for its WAL flush (wal.ts) without holding the connection: the next
// group is built while the previous one is flushed. On PostgreSQL each job is its own
// transaction (a one-statement job, a statement on its own: one round trip instead of three),
// run side by side on the pool: a failed statement there aborts the whole transaction it is in,
// a commit is a round trip the server batches with others anyway, and a server runs many
// transactions at once where SQLite runs one. Either way callers are answered in the order they
// queued, so work queued later never acts first.
import type SQLite from 'better-sqlite3';
import { sqliteConnection, walSync, withConnection, type DB } from './db.js';
import type { CheckpointState, WalSync } from './wal.js';

export interface JobOptions {
  /**
   * The work runs a single statement, which SQLite (like any SQL store) applies whole or not at
   * all: it needs no savepoint of its own. A savepoint costs two statements and a copy of every
   * page the job touches, as much as a small insert itself.
   */
  oneStatement?: boolean;
}

interface Job<T = unknown> extends JobOptions {
  work: (trx: DB) => Promise<T>;
  resolve: (value: T) => void;
  reject: (err: unknown) => void;
}

type Result = { ok: true; value: unknown } | { ok: false; err: unknown };

type Step = 'savepoint job' | 'release savepoint job' | 'rollback to savepoint job';
const STEPS: readonly Step[] = ['savepoint job', 'release savepoint job', 'rollback to savepoint job'];

/** Statements the SQLite path runs thousands of times a second, prepared once. */
interface SqliteStatements {
  begin: SQLite.Statement;
  commit: SQLite.Statement;
  rollback: SQLite.Statement;
  steps: Map<Step, SQLite.Statement>;
}

export interface GroupCommitOptions {
  /** When the WAL has grown past `maxWalFrames`, a group first waits (up to a second) for the checkpointer to copy it back. */
  checkpoints?: CheckpointState;
  maxWalFrames?: number;
}

export class GroupCommit {
  #queue: Job[] = [];
  #running: Promise<void> | null = null;
  /** PostgreSQL: the last job answered, in queue order; later jobs are answered after it. */
  #answered: Promise<void> = Promise.resolve();
  /** Groups committed but not yet durable. */
  readonly #flushing = new Set<Promise<void>>();
  readonly #sqlite: SQLite.Database | undefined;
  readonly #wal: WalSync | null;
  #statements: SqliteStatements | null = null;

  constructor(
    private readonly db: DB,
    private readonly options: GroupCommitOptions = {},
  ) {
    const sqlite = sqliteConnection(db);
    this.#sqlite = sqlite;
    // Without one, COMMIT itself flushed (or there is nothing to flush: an in-memory database).
    this.#wal = (sqlite && walSync(sqlite)) ?? null;
  }

  /** Runs `work` in the next shared transaction; resolves once that transaction is durable. */
  run<T>(work: (trx: DB) => Promise<T>, options: JobOptions = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve, reject, oneStatement: options.oneStatement } as Job);
      if (!this.#running) this.#running = this.#drain();
    });
  }

  /** Waits for everything queued to be committed and flushed. */
  async close(): Promise<void> {
    while (this.#running || this.#flushing.size) {
      await this.#running;
      await Promise.allSettled([...this.#flushing]);
    }
    await this.#answered;
  }

  async #drain(): Promise<void> {
    // Let every request that arrived in this I/O phase join the transaction.
    await new Promise((r) => setImmediate(r));
    while (this.#queue.length > 0) {
      const jobs = this.#queue;
      this.#queue = [];
      if (this.#sqlite) await this.#sqliteGroup(jobs, this.#sqlite, this.#wal);
      else this.#transactionPerJob(jobs);
      await new Promise((r) => setImmediate(r));
    }
    this.#running = null;
  }

  /** Starts every job at once, each in a transaction of its own; answers them in the order queued. */
  #transactionPerJob(jobs: Job[]): void {
    for (const job of jobs) {
      const result = outcomeOf(job.oneStatement ? job.work(this.db) : this.db.transaction().execute(job.work));
      const before = this.#answered;
      this.#answered = Promise.all([result, before]).then(([r]) => settle([job], [r]));
    }
  }

  async #sqliteGroup(jobs: Job[], sqlite: SQLite.Database, wal: WalSync | null): Promise<void> {
    const { checkpoints, maxWalFrames = 16_384 } = this.options;
    // The WAL starts over from its beginning only once it was copied back entirely; under
    // constant load the checkpointer may never catch up by itself, so let it.
    if (checkpoints?.running && checkpoints.walFrames > maxWalFrames && checkpoints.backlog > 0) await checkpoints.nextCheckpoint(1000);
    const s = (this.#statements ??= prepareStatements(sqlite));
    let results: Result[];
    try {
      results = await withConnection(this.db, async (conn) => {
        try {
          s.begin.run();
          const done = await runJobs(conn, jobs, (step) => void s.steps.get(step)!.run());
          s.commit.run();
          return done;
        } finally {
          // A group that failed before its commit leaves nothing behind.
          if (sqlite.inTransaction) s.rollback.run();
        }
      });
    } catch (err) {
      for (const job of jobs) job.reject(err);
      return;
    }
    if (!wal) {
      settle(jobs, results);
      return;
    }
    // Flushed off the thread while the next group is built.
    const flushed = wal.sync().then(
      () => settle(jobs, results),
      (err: unknown) => {
        for (const job of jobs) job.reject(err);
      },
    );
    this.#flushing.add(flushed);
    void flushed.finally(() => this.#flushing.delete(flushed));
  }
}

/** Each job behind its own savepoint, so a failure undoes only its own writes. */
async function runJobs(trx: DB, jobs: Job[], step: (step: Step) => unknown): Promise<Result[]> {
  const results: Result[] = [];
  for (const job of jobs) {
    if (job.oneStatement) {
      try {
        results.push({ ok: true, value: await job.work(trx) });
      } catch (err) {
        results.push({ ok: false, err });
      }
      continue;
    }
    await step('savepoint job');
    try {
      results.push({ ok: true, value: await job.work(trx) });
      await step('release savepoint job');
    } catch (err) {
      await step('rollback to savepoint job');
      await step('release savepoint job');
      results.push({ ok: false, err });
    }
  }
  return results;
}

function outcomeOf(work: Promise<unknown>): Promise<Result> {
  return work.then(
    (value) => ({ ok: true, value }),
    (err: unknown) => ({ ok: false, err }),
  );
}

function settle(jobs: Job[], results: Result[]): void {
  jobs.forEach((job, i) => {
    const r = results[i]!;
    if (r.ok) job.resolve(r.value);
    else job.reject(r.err);
  });
}

function prepareStatements(sqlite: SQLite.Database): SqliteStatements {
  return {
    begin: sqlite.prepare('begin immediate'),
    commit: sqlite.prepare('commit'),
    rollback: sqlite.prepare('rollback'),
    steps: new Map(STEPS.map((s) => [s, sqlite.prepare(s)])),
  };
}
