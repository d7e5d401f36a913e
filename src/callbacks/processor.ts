// The callback processor: turns stored callbacks (see writer.ts) into events, in batches, off the
// request path (GOV.UK Notify's "ack fast, process async"). Each callback's source has its own
// handler; message statuses change through src/messages/ alone.
import { DirectReports } from '../direct-ingest/reports.js';
import type { Logger } from '../logger.js';
import { ReportBatch } from '../messages/state.js';
import type { Metrics } from '../metrics.js';
import type { CanonicalUpdate, StatusUpdate } from '../providers/types.js';
import type { IntegrationRegistry } from '../services/integration-registry.js';
import { getRecentProject, settingsOf, type ProjectSettings } from '../services/projects.js';
import { isPostgres, isTransientConflict, type DB } from '../store/db.js';
import type { GroupCommit } from '../store/group-commit.js';
import * as callbackStore from '../store/callbacks.js';
import { encodeOutcome, type CallbackOutcome, type CallbackRow, type UpdateOutcome } from '../store/callbacks.js';
import type { CallbackSource } from '../store/schema.js';
import * as nonceStore from '../store/signed-nonces.js';
import { Signal } from '../util/signal.js';
import { ThrottledLog } from '../util/throttled-log.js';
import type { BatchContext, ProcessorHooks, CallbackHandler } from './batch.js';
import { boundUpdate } from './bounds.js';
import { IntegrationCallbacks } from './integration-callbacks.js';
import { MessageLookup } from './message-lookup.js';
import { CallbackQueue } from './queue.js';

export type { ProcessorHooks } from './batch.js';

export interface ProcessorOptions {
  batchSize?: number;
  pollMs?: number;
}

/**
 * Batches a process works on side by side on PostgreSQL. A batch spends most of its time waiting
 * on round trips, so a second one overlaps it. Hub processes sharing the store already process
 * side by side the same way: a batch locks its callbacks (SKIP LOCKED) and its messages (FOR
 * UPDATE), and a report about a message another batch holds waits for that batch to commit.
 * SQLite has one writer: one lane.
 */
const POSTGRES_LANES = 2;

export class CallbackProcessor {
  /** One per lane: a callback stored wakes every lane that waits. */
  readonly #signals: Signal[];
  readonly #queue: CallbackQueue;
  readonly #handlers: Record<CallbackSource, CallbackHandler> = {
    webhook: new IntegrationCallbacks(),
    ingest_sinch: new DirectReports(),
  };
  #running = false;
  #loop: Promise<void> | null = null;
  /**
   * The messages that have a report deferred (its send's outcome not yet written), with that
   * report and when it is due again. A later report about the same message waits behind it, so
   * reports are applied in the order they came: the back-off grows with a report's age, and
   * without this a `Delivered` deferred after a `Dispatched` fell due first. In memory: after a
   * restart the store hands deferred reports back oldest first anyway.
   */
  readonly #deferredReports = new Map<string, { callbackId: number; until: number }>();
  readonly #unmatchedLog = new ThrottledLog();
  /**
   * Callbacks per batch, unless the options say. A batch pays a few round trips whatever its
   * size; on PostgreSQL each waits for the event loop to come round under load, so bigger batches
   * keep up with a faster ingest. On SQLite a batch holds the one write connection: it stays short.
   */
  readonly #batchSize: number;

  constructor(
    private readonly db: DB,
    private readonly commit: GroupCommit,
    private readonly integrations: IntegrationRegistry,
    private readonly hooks: ProcessorHooks,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
    private readonly options: ProcessorOptions = {},
  ) {
    // On PostgreSQL other processes may share the store (see CallbackQueue's rescanMs).
    this.#queue = new CallbackQueue(undefined, isPostgres(db) ? 2000 : null);
    this.#batchSize = options.batchSize ?? (isPostgres(db) ? 1000 : 200);
    this.#signals = Array.from({ length: isPostgres(db) ? POSTGRES_LANES : 1 }, () => new Signal());
  }

  /** A callback the writer has just stored: processed from memory, without reading it back. */
  stored(row: CallbackRow): void {
    this.#queue.add(row);
    for (const s of this.#signals) s.notify();
  }

  start(): void {
    this.#running = true;
    this.#loop = Promise.all(this.#signals.map((signal, lane) => this.#run(signal, lane === 0))).then(() => {});
  }

  async stop(): Promise<void> {
    this.#running = false;
    for (const s of this.#signals) s.notify();
    await this.#loop;
  }

  pending(): Promise<number> {
    return callbackStore.countPending(this.db);
  }

  async #run(signal: Signal, sweeps: boolean): Promise<void> {
    let lastSweep = 0;
    while (this.#running) {
      let handled = 0;
      try {
        handled = await this.processBatch();
        if (sweeps && Date.now() - lastSweep > 60_000) {
          lastSweep = Date.now();
          await nonceStore.sweep(this.db, lastSweep);
        }
      } catch (err) {
        // Two batches (lanes, or processes) locking one message each the other wants: the server
        // aborted this one. Its callbacks are still pending, and taken again at once.
        if (isTransientConflict(err)) {
          this.logger.debug({ err }, 'callback batch aborted by a lock conflict; taken again');
          continue;
        }
        this.logger.error({ err }, 'callback processing failed; will retry');
        await new Promise((r) => setTimeout(r, 1000));
      }
      if (handled === 0) await signal.wait(this.options.pollMs ?? 500);
    }
  }

  /**
   * Processes one batch of due callbacks in one transaction. Returns how many it finished.
   * The messages the batch refers to are read in one query up front, and status and callback
   * updates are written per distinct value at the end: a few statements per batch instead of
   * several per callback.
   */
  async processBatch(now = Date.now()): Promise<number> {
    if (this.#queue.idle(now)) return 0;
    let finished = 0;
    const after: (() => void)[] = [];
    const work = async (trx: DB) => {
      after.length = 0;
      const batch = await this.#queue.take(trx, now, this.#batchSize);
      finished = await this.#process(trx, batch, now, after);
    };
    // SQLite: one job of the hub's group commit, sharing the flush with webhooks and sends.
    // PostgreSQL: a transaction of its own. The group commit answers its jobs in the order queued,
    // so a batch there would hold back every send and claim queued behind it until it commits.
    await (isPostgres(this.db) ? this.db.transaction().execute(work) : this.commit.run(work))
      .catch((err: unknown) => {
        this.#queue.failed();
        throw err;
      });
    for (const run of after) run();
    return finished;
  }

  async #process(trx: DB, batch: CallbackRow[], now: number, after: (() => void)[]): Promise<number> {
    const parsed: { callback: CallbackRow; handler: CallbackHandler; updates: CanonicalUpdate[] | Extract<CallbackOutcome, { kind: 'error' }> }[] = [];
    for (const callback of batch) {
      const handler = this.#handlers[callback.source];
      const read = await handler.parse(trx, callback);
      const updates = Array.isArray(read) ? read.map(boundUpdate) : read;
      // Marked processed with the error as its outcome: reading it again would fail the same way.
      if (!Array.isArray(updates)) this.logger.warn({ callback_id: callback.id, integration_id: callback.integration_id, err: updates.reason }, 'unreadable callback marked processed with an error outcome');
      parsed.push({ callback, handler, updates });
    }
    const statuses: { integrationId: string; update: StatusUpdate }[] = [];
    for (const { callback, handler, updates } of parsed) {
      if (!handler.namesHubMessages || !Array.isArray(updates)) continue;
      for (const update of updates) if (update.kind === 'status') statuses.push({ integrationId: callback.integration_id!, update });
    }
    const settings = new Map<string, ProjectSettings>();
    const reports = new ReportBatch(trx);
    const ctx: BatchContext = {
      trx,
      afterCommit: (fn) => after.push(fn),
      settings: async (projectId) => {
        let s = settings.get(projectId);
        if (!s) settings.set(projectId, (s = settingsOf(await getRecentProject(trx, projectId))));
        return s;
      },
      hooks: this.hooks,
      integrations: this.integrations,
      messages: await MessageLookup.prefetch(trx, statuses),
      reports,
    };

    let finished = 0;
    const byOutcome = new Map<string, { outcome: CallbackOutcome; ids: number[] }>();
    for (const { callback, handler, updates } of parsed) {
      const messages = Array.isArray(updates) && handler.namesHubMessages ? reportedMessages(callback, updates) : [];
      const behind = this.#waitingBehind(callback.id, messages, now);
      const outcome = behind !== null ? 'defer' : Array.isArray(updates) ? await applyAll(ctx, handler, callback, updates) : updates;
      if (outcome === 'defer') {
        // Back off with age: a report can wait minutes for a send a crash interrupted.
        const age = now - callback.received_at;
        // Whole milliseconds: the column is an integer (PostgreSQL refuses a fraction).
        const until = behind ?? now + Math.min(30_000, Math.max(200, Math.round(age / 4)));
        await callbackStore.defer(trx, callback.id, until);
        this.#queue.deferred(until);
        if (behind === null) for (const m of messages) this.#deferredReports.set(m, { callbackId: callback.id, until });
        continue;
      }
      for (const m of messages) if (this.#deferredReports.get(m)?.callbackId === callback.id) this.#deferredReports.delete(m);
      const key = encodeOutcome(outcome);
      const group = byOutcome.get(key);
      if (group) group.ids.push(callback.id);
      else byOutcome.set(key, { outcome, ids: [callback.id] });
      finished++;
      const source = callback.integration_id ?? `ingest:${callback.project_id}`;
      after.push(() => {
        this.hooks.processed(callback);
        this.metrics.callbacksProcessed.inc({ integration_id: source });
        this.metrics.receiptLag.observe({ integration_id: source }, Math.max(0, now - callback.received_at) / 1000);
        // A receipt naming no message of ours: a provider sending another account's reports
        // here, or a message deleted since; either is worth a look. One line per source per
        // interval: a misrouted account can send thousands a second (the outcome is stored on each).
        if (outcome.kind === 'processed' && outcome.updates.includes('unmatched')) {
          const suppressed = this.#unmatchedLog.admit(source, now);
          if (suppressed !== null) {
            this.logger.warn({ callback_id: callback.id, integration_id: callback.integration_id, project_id: callback.project_id, ...(suppressed ? { suppressed } : {}) }, 'receipt matched no message');
          }
        }
      });
    }
    await reports.flush(now);
    for (const id of reports.fallbackIntegrations) after.push(() => this.hooks.queued(id));
    for (const { outcome, ids } of byOutcome.values()) await callbackStore.markProcessed(trx, ids, outcome, now);
    return finished;
  }

  /** When an earlier report about one of these messages is deferred: until then (this one waits behind it); else null. */
  #waitingBehind(callbackId: number, messages: readonly string[], now: number): number | null {
    for (const m of messages) {
      const earlier = this.#deferredReports.get(m);
      if (!earlier || earlier.callbackId >= callbackId) continue;
      // Due callbacks are taken oldest first, so an earlier one already due was in this batch or
      // one before; still here, it was finished elsewhere (retention, another process): forget it.
      if (earlier.until <= now) this.#deferredReports.delete(m);
      else return earlier.until;
    }
    return null;
  }
}

/** Keys of the messages a callback's status updates name: our id where the provider echoes it, else the provider's. */
function reportedMessages(callback: CallbackRow, updates: readonly CanonicalUpdate[]): string[] {
  const keys: string[] = [];
  for (const u of updates) {
    if (u.kind !== 'status') continue;
    if (u.messageId) keys.push(`id:${u.messageId}`);
    else if (u.providerMessageId) keys.push(`${callback.integration_id ?? ''}:${u.providerMessageId}`);
  }
  return keys;
}

/** Applies each update of a callback; whatever was applied stays applied (events are deduplicated) when the rest is deferred. */
async function applyAll(ctx: BatchContext, handler: CallbackHandler, callback: CallbackRow, updates: CanonicalUpdate[]): Promise<CallbackOutcome | 'defer'> {
  const outcomes = new Set<UpdateOutcome>();
  let defer = false;
  for (const u of updates) {
    const o = await handler.apply(ctx, callback, u);
    if (o === 'defer') defer = true;
    else outcomes.add(o);
  }
  return defer ? 'defer' : { kind: 'processed', updates: [...outcomes] };
}
