// The receipt processor: turns stored receipts (see writer.ts) into events, in batches, off the
// request path (GOV.UK Notify's "ack fast, process async"). Each receipt's source has its own
// handler; message statuses change through src/messages/ alone.
import { DirectReports } from '../direct-ingest/reports.js';
import type { Logger } from '../logger.js';
import { ReportBatch } from '../messages/state.js';
import type { Metrics } from '../metrics.js';
import type { CanonicalUpdate, StatusUpdate } from '../providers/types.js';
import type { IntegrationRegistry } from '../services/integration-registry.js';
import { getProject, settingsOf, type ProjectSettings } from '../services/projects.js';
import type { DB } from '../store/db.js';
import type { GroupCommit } from '../store/group-commit.js';
import * as receiptStore from '../store/receipts.js';
import { encodeOutcome, type ReceiptOutcome, type ReceiptRow, type UpdateOutcome } from '../store/receipts.js';
import type { ReceiptSource } from '../store/schema.js';
import * as nonceStore from '../store/signed-nonces.js';
import { Signal } from '../util/signal.js';
import type { BatchContext, ProcessorHooks, ReceiptHandler } from './batch.js';
import { IntegrationCallbacks } from './integration-callbacks.js';
import { MessageLookup } from './message-lookup.js';
import { ReceiptQueue } from './queue.js';

export type { ProcessorHooks } from './batch.js';

export interface ProcessorOptions {
  batchSize?: number;
  pollMs?: number;
}

export class ReceiptProcessor {
  readonly #signal = new Signal();
  readonly #queue = new ReceiptQueue();
  readonly #handlers: Record<ReceiptSource, ReceiptHandler> = {
    webhook: new IntegrationCallbacks(),
    ingest_sinch: new DirectReports(),
  };
  #running = false;
  #loop: Promise<void> | null = null;

  constructor(
    private readonly db: DB,
    private readonly commit: GroupCommit,
    private readonly integrations: IntegrationRegistry,
    private readonly hooks: ProcessorHooks,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
    private readonly options: ProcessorOptions = {},
  ) {}

  /** A receipt the writer has just stored: processed from memory, without reading it back. */
  stored(row: ReceiptRow): void {
    this.#queue.add(row);
    this.#signal.notify();
  }

  start(): void {
    this.#running = true;
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#signal.notify();
    await this.#loop;
  }

  pending(): Promise<number> {
    return receiptStore.countPending(this.db);
  }

  async #run(): Promise<void> {
    let lastSweep = 0;
    while (this.#running) {
      let handled = 0;
      try {
        handled = await this.processBatch();
        if (Date.now() - lastSweep > 60_000) {
          lastSweep = Date.now();
          await nonceStore.sweep(this.db, lastSweep);
        }
      } catch (err) {
        this.logger.error({ err }, 'receipt processing failed; will retry');
        await new Promise((r) => setTimeout(r, 1000));
      }
      if (handled === 0) await this.#signal.wait(this.options.pollMs ?? 500);
    }
  }

  /**
   * Processes one batch of due receipts in one transaction. Returns how many it finished.
   * The messages the batch refers to are read in one query up front, and status and receipt
   * updates are written per distinct value at the end: a few statements per batch instead of
   * several per receipt.
   */
  async processBatch(now = Date.now()): Promise<number> {
    if (this.#queue.idle(now)) return 0;
    let finished = 0;
    const after: (() => void)[] = [];
    // One job of the hub's group commit: it shares the flush with webhooks and sends.
    await this.commit
      .run(async (trx) => {
        after.length = 0;
        const batch = await this.#queue.take(trx, now, this.options.batchSize ?? 200);
        finished = await this.#process(trx, batch, now, after);
      })
      .catch((err: unknown) => {
        this.#queue.failed();
        throw err;
      });
    for (const run of after) run();
    return finished;
  }

  async #process(trx: DB, batch: ReceiptRow[], now: number, after: (() => void)[]): Promise<number> {
    const parsed: { receipt: ReceiptRow; handler: ReceiptHandler; updates: CanonicalUpdate[] | Extract<ReceiptOutcome, { kind: 'error' }> }[] = [];
    for (const receipt of batch) {
      const handler = this.#handlers[receipt.source];
      const updates = await handler.parse(trx, receipt);
      if (!Array.isArray(updates)) this.logger.warn({ receipt_id: receipt.id, integration_id: receipt.integration_id, err: updates.reason }, 'unreadable receipt kept unprocessed');
      parsed.push({ receipt, handler, updates });
    }
    const statuses: { integrationId: string; update: StatusUpdate }[] = [];
    for (const { receipt, handler, updates } of parsed) {
      if (!handler.namesHubMessages || !Array.isArray(updates)) continue;
      for (const update of updates) if (update.kind === 'status') statuses.push({ integrationId: receipt.integration_id!, update });
    }
    const settings = new Map<string, ProjectSettings>();
    const reports = new ReportBatch(trx);
    const ctx: BatchContext = {
      trx,
      afterCommit: (fn) => after.push(fn),
      settings: async (projectId) => {
        let s = settings.get(projectId);
        if (!s) settings.set(projectId, (s = settingsOf(await getProject(trx, projectId))));
        return s;
      },
      hooks: this.hooks,
      integrations: this.integrations,
      messages: await MessageLookup.prefetch(trx, statuses),
      reports,
    };

    let finished = 0;
    const byOutcome = new Map<string, { outcome: ReceiptOutcome; ids: number[] }>();
    for (const { receipt, handler, updates } of parsed) {
      const outcome = Array.isArray(updates) ? await applyAll(ctx, handler, receipt, updates) : updates;
      if (outcome === 'defer') {
        // Back off with age: a report can wait minutes for a send a crash interrupted.
        const age = now - receipt.received_at;
        const until = now + Math.min(30_000, Math.max(200, age / 4));
        await receiptStore.defer(trx, receipt.id, until);
        this.#queue.deferred(until);
        continue;
      }
      const key = encodeOutcome(outcome);
      const group = byOutcome.get(key);
      if (group) group.ids.push(receipt.id);
      else byOutcome.set(key, { outcome, ids: [receipt.id] });
      finished++;
      this.metrics.count('receipts_processed_total', receipt.integration_id ?? `ingest:${receipt.project_id}`);
    }
    await reports.flush(now);
    for (const { outcome, ids } of byOutcome.values()) await receiptStore.markProcessed(trx, ids, outcome, now);
    return finished;
  }
}

/** Applies each update of a receipt; whatever was applied stays applied (events are deduplicated) when the rest is deferred. */
async function applyAll(ctx: BatchContext, handler: ReceiptHandler, receipt: ReceiptRow, updates: CanonicalUpdate[]): Promise<ReceiptOutcome | 'defer'> {
  const outcomes = new Set<UpdateOutcome>();
  let defer = false;
  for (const u of updates) {
    const o = await handler.apply(ctx, receipt, u);
    if (o === 'defer') defer = true;
    else outcomes.add(o);
  }
  return defer ? 'defer' : { kind: 'processed', updates: [...outcomes] };
}
