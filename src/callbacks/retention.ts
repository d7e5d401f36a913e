// Retention: deletes what the hub no longer needs, so webhooks and direct-send ingest can't grow
// the store without end. Processed raw callbacks go after CALLBACK_RETENTION_DAYS (their effect
// lives on in events and messages); pending ones are never deleted by age, each was acknowledged
// to its provider. Direct-send rejections go after INGEST_REJECTION_RETENTION_DAYS, and beyond
// INGEST_REJECTIONS_MAX per project, oldest first. Deletes run in small batches with a turn of
// the event loop between, so the store's one writer is never held for long.
import type { StorageBounds } from '../config.js';
import type { Logger } from '../logger.js';
import type { DB } from '../store/db.js';
import * as callbackStore from '../store/callbacks.js';
import * as rejectionStore from '../store/ingest-rejections.js';
import { Signal } from '../util/signal.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface RetentionOptions {
  /** Between rounds (ms). */
  intervalMs?: number;
  /** Rows per delete statement. */
  batchSize?: number;
}

export type RetentionBounds = Pick<StorageBounds, 'callbackRetentionDays' | 'ingestRejectionRetentionDays' | 'ingestRejectionsMax'>;

/** What one round deleted. */
export interface Pruned {
  callbacks: number;
  rejections: number;
}

export class Retention {
  readonly #signal = new Signal();
  #running = false;
  #stopping = false;
  #loop: Promise<void> | null = null;
  /** Rejections stored per project since the last round: past the cap, a round comes early. */
  #rejectionsSince = new Map<string, number>();

  constructor(
    private readonly db: DB,
    private readonly bounds: RetentionBounds,
    private readonly logger: Logger,
    private readonly options: RetentionOptions = {},
  ) {}

  start(): void {
    this.#running = true;
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#stopping = true;
    this.#signal.notify();
    await this.#loop;
  }

  /**
   * A rejection was stored for the project. They are stored on the request path, so between
   * rounds a flood could pile up far past the cap: once a project has stored a cap's worth, the
   * next round starts now.
   */
  rejectionStored(projectId: string): void {
    if (this.bounds.ingestRejectionsMax === 0) return;
    const n = (this.#rejectionsSince.get(projectId) ?? 0) + 1;
    this.#rejectionsSince.set(projectId, n);
    if (n === this.bounds.ingestRejectionsMax) this.#signal.notify();
  }

  async #run(): Promise<void> {
    while (this.#running) {
      try {
        await this.prune();
      } catch (err) {
        this.logger.error({ err }, 'pruning old callbacks and rejections failed; will retry');
      }
      await this.#signal.wait(this.options.intervalMs ?? 5 * 60_000);
    }
  }

  /** One round: every bound applied until nothing is left beyond it (or the hub stops). */
  async prune(now = Date.now()): Promise<Pruned> {
    this.#rejectionsSince.clear();
    const { callbackRetentionDays, ingestRejectionRetentionDays, ingestRejectionsMax } = this.bounds;
    const pruned: Pruned = { callbacks: 0, rejections: 0 };
    // Where old rows end is found once per round; rows arriving meanwhile all lie above it.
    if (callbackRetentionDays > 0) {
      const before = now - callbackRetentionDays * DAY_MS;
      const belowId = await callbackStore.firstIdSince(this.db, before);
      pruned.callbacks += await this.#drain((limit) => callbackStore.deleteProcessedBefore(this.db, before, belowId, limit));
    }
    if (ingestRejectionRetentionDays > 0) {
      const before = now - ingestRejectionRetentionDays * DAY_MS;
      const belowId = await rejectionStore.firstIdSince(this.db, before);
      pruned.rejections += await this.#drain((limit) => rejectionStore.deleteBefore(this.db, before, belowId, limit));
    }
    if (ingestRejectionsMax > 0) {
      for (const projectId of await rejectionStore.projectsWithRejections(this.db)) {
        pruned.rejections += await this.#drain((limit) => rejectionStore.deleteBeyond(this.db, projectId, ingestRejectionsMax, limit));
      }
    }
    if (pruned.callbacks + pruned.rejections > 0) this.logger.info(pruned, 'pruned old callbacks and ingest rejections');
    return pruned;
  }

  /** Runs `step` until it deletes less than a batch, letting other work in between batches. */
  async #drain(step: (limit: number) => Promise<number>): Promise<number> {
    const limit = this.options.batchSize ?? 500;
    let total = 0;
    for (;;) {
      const n = await step(limit);
      total += n;
      if (n < limit || this.#stopping) return total;
      await new Promise((r) => setImmediate(r));
    }
  }
}
