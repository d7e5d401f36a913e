// Taking SQLite's two slow steps off the hub's thread. better-sqlite3 is synchronous, so with
// `synchronous = FULL` every commit waits for an fsync of the WAL, and every thousandth page
// written also copies the WAL back into the database file (a checkpoint: more writes, two more
// fsyncs), all with the event loop stopped.
//
// - WalSync: the group commit commits with `synchronous = NORMAL` (the WAL is written, not yet
//   flushed) and then flushes the WAL with fdatasync on libuv's thread pool; only after that
//   are its callers told the work is done, so what they acknowledge is as durable as with FULL.
//   Commits made meanwhile share the next flush.
// - Checkpointer: a worker thread with its own connection runs passive checkpoints, and the hub's
//   connection stops checkpointing by itself.
import { open, stat, type FileHandle } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type SQLite from 'better-sqlite3';
import type { Logger } from '../logger.js';

/**
 * Flushes the WAL of one database. A flush covers every commit that returned before it started;
 * `sync()` resolves once a flush that started after the call has finished.
 */
export class WalSync {
  #file: Promise<FileHandle> | null = null;
  #flushing: Promise<void> | null = null;
  #next: Promise<void> | null = null;
  #failed: Error | null = null;
  /** Flushes started so far (for /metrics and tests). */
  flushes = 0;

  constructor(
    private readonly walPath: string,
    /** The flush itself; replaceable in tests. */
    private readonly datasync: (file: FileHandle) => Promise<void> = (file) => file.datasync(),
  ) {}

  sync(): Promise<void> {
    if (this.#failed) return Promise.reject(this.#failed);
    if (!this.#flushing) return this.#start();
    // A flush is running, and may have started before the caller's commit: take the next one.
    this.#next ??= this.#flushing.then(
      () => this.#start(),
      () => this.#start(),
    );
    return this.#next;
  }

  async close(): Promise<void> {
    while (this.#flushing || this.#next) await (this.#next ?? this.#flushing)?.catch(() => {});
    const file = this.#file;
    this.#file = null;
    if (file) await (await file).close();
  }

  #start(): Promise<void> {
    this.#next = null;
    const flush = this.#flush();
    this.#flushing = flush;
    const clear = () => {
      if (this.#flushing === flush) this.#flushing = null;
    };
    flush.then(clear, clear);
    return flush;
  }

  async #flush(): Promise<void> {
    if (this.#failed) throw this.#failed;
    this.flushes++;
    try {
      this.#file ??= openWal(this.walPath);
      await this.datasync(await this.#file);
    } catch (err) {
      // After a failed flush the kernel may have dropped the dirty pages: a later flush that
      // succeeds would prove nothing. Nothing is acknowledged from here on.
      this.#failed = new Error(`flushing the SQLite WAL failed; the hub must restart: ${(err as Error).message}`);
      throw this.#failed;
    }
  }
}

async function openWal(path: string): Promise<FileHandle> {
  const file = await open(path, 'r');
  // The WAL stays the same file while the hub's connection is open (SQLite deletes it only when
  // the last connection closes), so one handle serves the whole run; make sure it is that file.
  const [byHandle, byPath] = await Promise.all([file.stat(), stat(path)]);
  if (byHandle.ino !== byPath.ino || byHandle.dev !== byPath.dev) {
    await file.close();
    throw new Error(`${path} changed while it was opened`);
  }
  return file;
}

export interface CheckpointerOptions {
  /** Poll interval while the WAL is checkpointed up to its end. */
  idleMs?: number;
  /** Poll interval while there are frames left to copy. */
  busyMs?: number;
}

/** The checkpointer thread of one database (see checkpoint-worker.cjs). */
export class Checkpointer {
  readonly #control = new SharedArrayBuffer(8);
  readonly #flags = new Int32Array(this.#control);
  #worker: Worker | null = null;
  #stopping = false;
  /** WAL size and how much of it is copied, in frames, as of the last checkpoint. */
  #log = 0;
  #checkpointed = 0;
  #waiters: (() => void)[] = [];

  private constructor(
    private readonly sqlite: SQLite.Database,
    private readonly logger: Logger,
  ) {}

  /** Starts the thread; once it runs, the connection no longer checkpoints by itself. */
  static async start(sqlite: SQLite.Database, logger: Logger, options: CheckpointerOptions = {}): Promise<Checkpointer> {
    const c = new Checkpointer(sqlite, logger);
    await c.#spawn(options);
    return c;
  }

  /** WAL frames written but not yet copied into the database file, as last seen. */
  get backlog(): number {
    return this.#log - this.#checkpointed;
  }

  /** WAL length in frames as last seen (it restarts from zero once all was copied). */
  get walFrames(): number {
    return this.#log;
  }

  /** Resolves after the next checkpoint has run (asks for it now), or after `timeoutMs`. */
  nextCheckpoint(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const waiters = this.#waiters;
      function done() {
        clearTimeout(timer);
        const i = waiters.indexOf(done);
        if (i >= 0) waiters.splice(i, 1);
        resolve();
      }
      waiters.push(done);
      Atomics.add(this.#flags, 1, 1);
      Atomics.notify(this.#flags, 1);
    });
  }

  async stop(): Promise<void> {
    const worker = this.#worker;
    if (!worker) return;
    this.#stopping = true;
    worker.ref();
    Atomics.store(this.#flags, 0, 1);
    Atomics.notify(this.#flags, 1);
    await new Promise<void>((resolve) => {
      worker.once('exit', () => resolve());
    });
  }

  #spawn(options: CheckpointerOptions): Promise<void> {
    const worker = new Worker(new URL('./checkpoint-worker.cjs', import.meta.url), {
      workerData: {
        sqliteModule: createRequire(import.meta.url).resolve('better-sqlite3'),
        path: this.sqlite.name,
        control: this.#control,
        idleMs: options.idleMs ?? 100,
        busyMs: options.busyMs ?? 5,
      },
    });
    this.#worker = worker;
    return new Promise((resolve, reject) => {
      worker.on('message', (m: { kind: 'ready' } | { kind: 'checkpoint'; log: number; checkpointed: number }) => {
        if (m.kind === 'ready') {
          this.sqlite.pragma('wal_autocheckpoint = 0');
          // The thread serves the connection; it must never be what keeps the process alive.
          worker.unref();
          resolve();
          return;
        }
        this.#log = m.log;
        this.#checkpointed = m.checkpointed;
        for (const w of this.#waiters.splice(0)) w();
      });
      worker.on('error', (err) => {
        this.logger.error({ err }, 'the SQLite checkpointer thread failed; the hub checkpoints by itself from now on');
        reject(err);
      });
      worker.on('exit', () => {
        // Whatever ended the thread, the connection must checkpoint again or the WAL grows forever.
        if (this.sqlite.open) this.sqlite.pragma('wal_autocheckpoint = 1000');
        this.#worker = null;
        for (const w of this.#waiters.splice(0)) w();
        if (!this.#stopping) this.logger.error('the SQLite checkpointer thread stopped; the hub checkpoints by itself from now on');
      });
    });
  }
}
