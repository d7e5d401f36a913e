// The background worker of bulk imports: one import at a time, oldest first, read from its file
// in batches. Each batch commits with its checkpoint, so a killed process resumes where the last
// committed batch ended; an import is resumed the same way after a clean stop.
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../logger.js';
import type { DB } from '../store/db.js';
import * as importStore from '../store/imports.js';
import type { ImportsTable } from '../store/schema.js';
import { applyBatch } from './apply.js';
import { batches } from './batches.js';
import { ImportFileError } from './readers.js';
import { parsedBatches } from './thread.js';

export interface ImportWorkerOptions {
  /** Rows per transaction. */
  batchRows?: number;
  /** How often to look for work when nobody said there is some (ms). */
  pollMs?: number;
  /** Parse and validate rows in a worker thread (default) or on the main thread. */
  parseThread?: boolean;
  /**
   * Files of unrecorded uploads are removed at start only when at least this old (ms; default 0):
   * with other processes on the same data directory, an upload may be under way in one of them.
   */
  orphanMinAgeMs?: number;
}

export class ImportWorker {
  #stopping = false;
  #loop: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  readonly #batchRows: number;
  readonly #pollMs: number;
  readonly #parseThread: boolean;
  #tell: (() => void) | null = null;
  readonly #orphanMinAgeMs: number;

  constructor(
    private readonly db: DB,
    /** Where the uploaded files are. */
    readonly dir: string,
    private readonly logger: Logger,
    options: ImportWorkerOptions = {},
  ) {
    this.#batchRows = options.batchRows ?? 5000;
    this.#pollMs = options.pollMs ?? 5000;
    this.#parseThread = options.parseThread ?? true;
    this.#orphanMinAgeMs = options.orphanMinAgeMs ?? 0;
  }

  /** Clears what a crash left of unrecorded uploads, then works in the background. */
  async start(): Promise<void> {
    this.#stopping = false;
    if (this.#loop) return;
    await this.#removeOrphans();
    this.#loop = this.#run().catch((err: unknown) => this.logger.error({ err }, 'the import worker stopped'));
  }

  /** An import was queued (wherever the worker runs). */
  notify(): void {
    this.#wake?.();
    this.#tell?.();
  }

  /** Another process queued an import. */
  wake(): void {
    this.#wake?.();
  }

  /** Shares the store with other processes: `tell` reaches them (only one runs the imports). */
  share(tell: () => void): void {
    this.#tell = tell;
  }

  /** Finishes the batch in hand and stops; an unfinished import resumes at the next start. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.notify();
    await this.#loop;
    this.#loop = null;
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      const job = await importStore.nextUnfinished(this.db);
      if (!job) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.#pollMs);
          this.#wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.#wake = null;
        continue;
      }
      try {
        await this.#process(job);
      } catch (err) {
        if (this.#stopping) return;
        const line = (await importStore.findAny(this.db, job.id))?.line ?? job.line;
        const landed = `the rows up to line ${line} landed, the others did not`;
        if (err instanceof ImportFileError) {
          await importStore.fail(this.db, job.id, `${err.message}: the import stopped; ${landed}`, Date.now());
        } else {
          this.logger.error({ err, import_id: job.id }, 'import failed');
          await importStore.fail(this.db, job.id, `the import stopped on an internal error: ${landed}`, Date.now());
        }
        await rm(join(this.dir, job.file), { force: true });
      }
    }
  }

  /**
   * Files of imports that never got their job row (an upload cut short by a crash). Runs before
   * the hub listens (Hub.start), so no upload is under way.
   */
  async #removeOrphans(): Promise<void> {
    let files: string[];
    try {
      files = await readdir(this.dir);
    } catch {
      return;
    }
    for (const f of files) {
      const id = f.replace(/\.[a-z]+$/, '');
      const job = await importStore.findAny(this.db, id);
      if (job && job.state !== 'done' && job.state !== 'failed') continue;
      if (!job && this.#orphanMinAgeMs > 0) {
        const age = Date.now() - (await stat(join(this.dir, f)).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
        if (age < this.#orphanMinAgeMs) continue;
      }
      await rm(join(this.dir, f), { force: true });
    }
  }

  async #process(job: ImportsTable): Promise<void> {
    await importStore.markRunning(this.db, job.id, Date.now());
    const path = join(this.dir, job.file);
    const source = { path, format: job.format, columns: job.columns, start: job.bytes_processed, line: job.line };
    for await (const b of this.#parseThread ? parsedBatches(source, this.#batchRows) : batches(source, this.#batchRows)) {
      const errors = b.errors.map((e) => ({ import_id: job.id, ...e }));
      await applyBatch(this.db, job, { customers: b.customers, errors, end: b.final ? job.bytes_total : b.end, line: b.line });
      if (b.final) break;
      if (this.#stopping) return;
    }
    await importStore.finish(this.db, job.id, Date.now());
    await rm(path, { force: true });
    this.logger.info({ import_id: job.id }, 'import done');
  }
}
