// Taking SQLite's two slow steps off the hub's thread. better-sqlite3 is synchronous, so with
// `synchronous = FULL` every commit waits for an fsync of the WAL, and every thousandth page
// written also copies the WAL back into the database file (a checkpoint: more writes, two more
// fsyncs), all with the event loop stopped.
//
// - WalSync: the connection commits with `synchronous = NORMAL` (the WAL is written, not yet
//   flushed), and whoever committed flushes the WAL with fdatasync on libuv's thread pool before
//   telling anyone the work is done (sqlite-dialect.ts, group-commit.ts, prepared.ts), so what
//   is acknowledged is as durable as with FULL.
// - Checkpointer: a worker thread with its own connection runs passive checkpoints, and the hub's
//   connection stops checkpointing by itself.
import { close, fdatasync, fstat, open, stat } from 'node:fs';
import { promisify } from 'node:util';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type SQLite from 'better-sqlite3';
import type { Logger } from '../logger.js';
import { waitShared } from './shared-wait.js';

/**
 * Flushes the WAL of one database. A flush covers every commit that returned before it started,
 * so `sync()` resolves once any flush that started after the call has finished. Flushes may
 * overlap (the kernel merges them): a caller need not wait for one already running to end before
 * its own starts, only for a free slot when `maxConcurrent` are running; callers arriving while
 * every slot is busy share the next flush.
 *
 * Callers are answered in the order they asked, even when a later flush finishes first: that
 * flush covers the earlier callers too. Answering the later one first would let work committed
 * later be acknowledged, and act, before work committed earlier (two sends to the provider out
 * of the order they were queued, say).
 */
export class WalSync {
  #fd: Promise<number> | null = null;
  #running = 0;
  /** Callers so far; a caller's number orders it, and a flush covers every number up to its start. */
  #asked = 0;
  /** The highest caller number a started flush covers. */
  #startedCover = 0;
  /** Callers not yet answered, in the order they asked. */
  readonly #waiting: { n: number; resolve: () => void; reject: (err: Error) => void }[] = [];
  readonly #idle = new Set<() => void>();
  #failed: Error | null = null;
  /** Flushes started so far (tests read it). */
  flushes = 0;

  constructor(
    private readonly walPath: string,
    /** The flush itself, replaceable in tests. The callback API costs this thread half what FileHandle's does. */
    private readonly datasync: (fd: number) => Promise<void> = promisify(fdatasync),
    /** Flushes at once, at most; they run on libuv's thread pool (four threads unless configured). */
    private readonly maxConcurrent = 2,
  ) {}

  sync(): Promise<void> {
    if (this.#failed) return Promise.reject(this.#failed);
    const n = ++this.#asked;
    const answered = new Promise<void>((resolve, reject) => this.#waiting.push({ n, resolve, reject }));
    if (this.#running < this.maxConcurrent) this.#start();
    return answered;
  }

  async close(): Promise<void> {
    while (this.#running > 0) await new Promise<void>((r) => this.#idle.add(r));
    const fd = this.#fd;
    this.#fd = null;
    if (fd) await promisify(close)(await fd);
  }

  #start(): void {
    const covers = this.#asked;
    this.#startedCover = covers;
    this.#running++;
    void this.#flush().then(
      () => this.#answer(covers),
      (err: Error) => this.#answer(Infinity, err),
    );
  }

  /** Answers the callers up to `covers`, in order; starts a flush for those left uncovered. */
  #answer(covers: number, err?: Error): void {
    this.#running--;
    while (this.#waiting.length > 0 && this.#waiting[0]!.n <= covers) {
      const w = this.#waiting.shift()!;
      if (err) w.reject(err);
      else w.resolve();
    }
    if (this.#waiting.length > 0 && this.#asked > this.#startedCover && this.#running < this.maxConcurrent) this.#start();
    if (this.#running === 0) {
      for (const r of this.#idle) r();
      this.#idle.clear();
    }
  }

  async #flush(): Promise<void> {
    if (this.#failed) throw this.#failed;
    this.flushes++;
    try {
      this.#fd ??= openWal(this.walPath);
      await this.datasync(await this.#fd);
    } catch (err) {
      // After a failed flush the kernel may have dropped the dirty pages: a later flush that
      // succeeds would prove nothing. Nothing is acknowledged from here on, including what
      // waits on a flush still running.
      this.#failed = new Error(`flushing the SQLite WAL failed; the hub must restart: ${(err as Error).message}`);
      throw this.#failed;
    }
  }
}

async function openWal(path: string): Promise<number> {
  const fd = await promisify(open)(path, 'r');
  // The WAL stays the same file while the hub's connection is open (SQLite deletes it only when
  // the last connection closes), so one descriptor serves the whole run; make sure it is that file.
  const [byFd, byPath] = await Promise.all([promisify(fstat)(fd), promisify(stat)(path)]);
  if (byFd.ino !== byPath.ino || byFd.dev !== byPath.dev) {
    await promisify(close)(fd);
    throw new Error(`${path} changed while it was opened`);
  }
  return fd;
}

export interface CheckpointerOptions {
  /** Poll interval while the WAL is checkpointed up to its end. */
  idleMs?: number;
  /** Poll interval while there are frames left to copy. */
  busyMs?: number;
}

/** The checkpointer's shared memory, in Int32 slots; the thread is told these too. */
const SLOT = { stop: 0, wake: 1, log: 2, checkpointed: 3, count: 4, alive: 5 } as const;
const SLOTS = Object.keys(SLOT).length;
const { stop: STOP, wake: WAKE, log: LOG, checkpointed: CHECKPOINTED, count: COUNT, alive: ALIVE } = SLOT;

/**
 * What any thread can see of the checkpointer, and ask of it, through shared memory: how far
 * the WAL has grown and how much of it is copied back, as of its last checkpoint.
 */
export class CheckpointState {
  readonly #words: Int32Array;

  /** Pass the `buffer` of the checkpointer's state to see it from another thread. */
  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(SLOTS * 4)) {
    this.#words = new Int32Array(buffer);
  }

  /** Whether the checkpointer thread runs (when not, the hub's connection checkpoints itself). */
  get running(): boolean {
    return Atomics.load(this.#words, ALIVE) === 1;
  }

  /** WAL length in frames (it starts over from zero once all of it was copied back). */
  get walFrames(): number {
    return Atomics.load(this.#words, LOG);
  }

  /** WAL frames written but not yet copied into the database file. */
  get backlog(): number {
    return Atomics.load(this.#words, LOG) - Atomics.load(this.#words, CHECKPOINTED);
  }

  /** Asks for a checkpoint now; resolves once one that started after the call has run, or after `timeoutMs`. */
  async nextCheckpoint(timeoutMs: number): Promise<void> {
    // The one running now may have started before the call: wait for the one after it.
    const target = Atomics.load(this.#words, COUNT) + 2;
    Atomics.add(this.#words, WAKE, 1);
    Atomics.notify(this.#words, WAKE);
    const deadline = Date.now() + timeoutMs;
    for (let count = Atomics.load(this.#words, COUNT); count < target && this.running; count = Atomics.load(this.#words, COUNT)) {
      const left = deadline - Date.now();
      if (left <= 0) return;
      await waitShared(this.#words, COUNT, count, left);
    }
  }

  /** @internal The owner's side. */
  stopped(): void {
    Atomics.store(this.#words, ALIVE, 0);
    Atomics.notify(this.#words, COUNT);
  }

  /** @internal The owner's side. */
  askToStop(): void {
    Atomics.store(this.#words, STOP, 1);
    Atomics.notify(this.#words, WAKE);
  }
}

/** The checkpointer thread of one database (see checkpoint-worker.cjs). */
export class Checkpointer {
  readonly state = new CheckpointState();
  #worker: Worker | null = null;
  #stopping = false;

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

  async stop(): Promise<void> {
    const worker = this.#worker;
    if (!worker) return;
    this.#stopping = true;
    worker.ref();
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    this.state.askToStop();
    await exited;
  }

  #spawn(options: CheckpointerOptions): Promise<void> {
    const worker = new Worker(new URL('./checkpoint-worker.cjs', import.meta.url), {
      workerData: {
        sqliteModule: createRequire(import.meta.url).resolve('better-sqlite3'),
        path: this.sqlite.name,
        control: this.state.buffer,
        slots: SLOT,
        idleMs: options.idleMs ?? 100,
        busyMs: options.busyMs ?? 5,
      },
    });
    this.#worker = worker;
    return new Promise((resolve, reject) => {
      worker.once('message', () => {
        // Its first message: it runs.
        this.sqlite.pragma('wal_autocheckpoint = 0');
        // The thread serves the connection; it must never be what keeps the process alive.
        worker.unref();
        resolve();
      });
      worker.on('error', (err) => {
        this.logger.error({ err }, 'the SQLite checkpointer thread failed');
        reject(err);
      });
      worker.on('exit', () => {
        // Whatever ended the thread, the connection must checkpoint again or the WAL grows forever.
        if (this.sqlite.open) this.sqlite.pragma('wal_autocheckpoint = 1000');
        this.#worker = null;
        this.state.stopped();
        if (!this.#stopping) this.logger.error('the SQLite checkpointer thread stopped; the hub checkpoints by itself from now on');
      });
    });
  }
}
