// Group commit for request-path writes. better-sqlite3 commits synchronously, so a transaction
// per request pays one fsync per request with the event loop blocked. Work queued here runs in
// one shared transaction per turn of the event loop, each piece behind its own savepoint so one
// failure undoes only its own writes, and every caller learns its result after the commit.
import { sql } from 'kysely';
import type { DB } from './db.js';

interface Job<T = unknown> {
  work: (trx: DB) => Promise<T>;
  resolve: (value: T) => void;
  reject: (err: unknown) => void;
}

export class GroupCommit {
  #queue: Job[] = [];
  #running: Promise<void> | null = null;

  constructor(private readonly db: DB) {}

  /** Runs `work` in the next shared transaction; resolves once that transaction committed. */
  run<T>(work: (trx: DB) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve, reject } as Job);
      if (!this.#running) this.#running = this.#drain();
    });
  }

  async #drain(): Promise<void> {
    // Let every request that arrived in this I/O phase join the transaction.
    await new Promise((r) => setImmediate(r));
    while (this.#queue.length > 0) {
      const jobs = this.#queue;
      this.#queue = [];
      const results: ({ ok: true; value: unknown } | { ok: false; err: unknown })[] = [];
      try {
        await this.db.transaction().execute(async (trx) => {
          for (const job of jobs) {
            await sql`savepoint job`.execute(trx);
            try {
              results.push({ ok: true, value: await job.work(trx) });
              await sql`release savepoint job`.execute(trx);
            } catch (err) {
              await sql`rollback to savepoint job`.execute(trx);
              await sql`release savepoint job`.execute(trx);
              results.push({ ok: false, err });
            }
          }
        });
        jobs.forEach((job, i) => {
          const r = results[i]!;
          if (r.ok) job.resolve(r.value);
          else job.reject(r.err);
        });
      } catch (err) {
        // The commit itself failed: nothing of this group was written.
        for (const job of jobs) job.reject(err);
      }
      await new Promise((r) => setImmediate(r));
    }
    this.#running = null;
  }
}
