// The receipt processor: turns stored webhooks (see receipt-writer.ts) into events, in batches,
// off the request path (GOV.UK Notify's "ack fast, process async").
import { campaignEventProperties, eventName, incomingEventProperties } from '../core/events.js';
import { transition, withinReportWindow } from '../core/status.js';
import type { Logger } from '../logger.js';
import { getAdapter } from '../providers/registry.js';
import type { CanonicalUpdate, ConsentUpdate, InboundMessage, StatusUpdate } from '../providers/types.js';
import { matchKeyword } from '../core/keywords.js';
import type { Channel, DeliveryStatus } from '../core/status.js';
import { setConsent } from '../services/consent.js';
import type { IntegrationService } from '../services/integrations.js';
import { composeMessage, messageRow } from '../services/messages.js';
import { customerByPhone } from '../services/customers.js';
import { recordEvent } from '../services/events.js';
import { getProject, keywordsFor, settingsOf, type ProjectSettings } from '../services/projects.js';
import type { DB } from '../store/db.js';
import type { GroupCommit } from '../store/group-commit.js';
import { prepared, preparedList } from '../store/prepared.js';
import type { CustomersTable, MessagesTable } from '../store/schema.js';
import { applyDirectReport } from './direct-ingest.js';
import type { Metrics } from './metrics.js';
import { ReceiptQueue, type ReceiptRow } from './receipt-queue.js';
import { Signal } from './signal.js';

type Applied = 'applied' | 'late_event' | 'duplicate' | 'conflict' | 'terminal' | 'unmatched' | 'outside_window' | 'defer' | 'ignored';

export interface ProcessorOptions {
  batchSize?: number;
  pollMs?: number;
}

/** What the processor tells the rest of the hub once a batch has committed. */
export interface ProcessorHooks {
  /** Auto-replies were queued for this integration. */
  queued(integrationId: string): void;
  /** The customer opted out of the channel: drop what is claimed for them. */
  optedOut(customerRef: string, channel: Channel): void;
}

/** Work to do once the transaction that caused it has committed. */
type AfterCommit = (() => void)[];

/** What the receipts of one batch share while it is processed. */
interface BatchContext {
  trx: DB;
  after: AfterCommit;
  settings: Map<string, ProjectSettings>;
  /** Messages the batch refers to, read up front and kept current as reports move them on. */
  messages: MessageLookup;
  /** Final status per message, written once when the batch ends. */
  statusChanges: Map<string, DeliveryStatus>;
}

export class ReceiptProcessor {
  readonly #signal = new Signal();
  readonly #queue = new ReceiptQueue();
  #running = false;
  #loop: Promise<void> | null = null;
  readonly #providers = new Map<string, string>();

  constructor(
    private readonly db: DB,
    private readonly commit: GroupCommit,
    private readonly integrations: IntegrationService,
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

  async pending(): Promise<number> {
    const r = await this.db.selectFrom('receipts').select((eb) => eb.fn.countAll<number>().as('n')).where('processed_at', 'is', null).executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  async #run(): Promise<void> {
    let lastSweep = 0;
    while (this.#running) {
      let handled = 0;
      try {
        handled = await this.processBatch();
        if (Date.now() - lastSweep > 60_000) {
          lastSweep = Date.now();
          await this.db.deleteFrom('webhook_nonces').where('expires_at', '<', lastSweep).execute();
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
    const after: AfterCommit = [];
    // One job of the hub's group commit: it shares the flush with webhooks and sends.
    await this.commit
      .run(async (trx) => {
        finished = 0;
        after.length = 0;
        const batch = await this.#queue.take(trx, now, this.options.batchSize ?? 200);
        await this.#process(trx, batch, now, after, () => finished++);
      })
      .catch((err: unknown) => {
        this.#queue.failed();
        throw err;
      });
    for (const run of after) run();
    return finished;
  }

  async #process(trx: DB, batch: ReceiptRow[], now: number, after: AfterCommit, onFinished: () => void): Promise<void> {
    for (const r of batch) await this.#providerOf(trx, r.integration_id);
    const parsed = batch.map((receipt) => ({ receipt, updates: this.#parse(receipt) }));
    const ctx: BatchContext = {
      trx,
      after,
      settings: new Map(),
      messages: await MessageLookup.prefetch(
        trx,
        parsed.flatMap((p) => (Array.isArray(p.updates) ? p.updates.map((update) => ({ integrationId: p.receipt.integration_id, update })) : [])),
      ),
      statusChanges: new Map(),
    };
    const outcomes = new Map<string, number[]>();
    for (const { receipt, updates } of parsed) {
      const outcome = typeof updates === 'string' ? updates : await this.#processOne(ctx, receipt, updates);
      if (outcome === 'defer') {
        // Back off with age: a report can wait minutes for a send a crash interrupted.
        const age = now - receipt.received_at;
        const until = now + Math.min(30_000, Math.max(200, age / 4));
        await deferReceipt.execute(trx, { id: receipt.id, until });
        this.#queue.deferred(until);
      } else {
        const ids = outcomes.get(outcome);
        if (ids) ids.push(receipt.id);
        else outcomes.set(outcome, [receipt.id]);
        onFinished();
        this.metrics.count('receipts_processed_total', receipt.integration_id);
      }
    }
    const byStatus = new Map<DeliveryStatus, string[]>();
    for (const [id, status] of ctx.statusChanges) {
      const ids = byStatus.get(status);
      if (ids) ids.push(id);
      else byStatus.set(status, [id]);
    }
    for (const [status, ids] of byStatus) await setMessageStatus.changes(trx, { status, now }, ids);
    for (const [outcome, ids] of outcomes) await markProcessed.changes(trx, { outcome, now }, ids);
  }

  /** The canonical updates of a receipt, or the outcome to record when there is nothing to apply. */
  #parse(receipt: ReceiptRow): CanonicalUpdate[] | string {
    if (receipt.source === 'ingest_sinch') return [];
    const adapter = getAdapter(this.#providers.get(receipt.integration_id) ?? '');
    if (!adapter) return 'error: unknown integration';
    try {
      return adapter.parseWebhook({ route: receipt.route, rawBody: asBuffer(receipt.body), contentType: receipt.content_type, query: receipt.query });
    } catch (err) {
      this.logger.warn({ receipt_id: receipt.id, integration_id: receipt.integration_id, err: (err as Error).message }, 'unreadable webhook body kept unprocessed');
      return `error: ${(err as Error).message}`.slice(0, 500);
    }
  }

  async #settingsFor(ctx: BatchContext, projectId: string): Promise<ProjectSettings> {
    let s = ctx.settings.get(projectId);
    if (!s) {
      s = settingsOf(await getProject(ctx.trx, projectId));
      ctx.settings.set(projectId, s);
    }
    return s;
  }

  async #providerOf(trx: DB, integrationId: string): Promise<string | undefined> {
    let p = this.#providers.get(integrationId);
    if (!p && !integrationId.startsWith('ingest:')) {
      const row = await trx.selectFrom('integrations').select('provider').where('id', '=', integrationId).executeTakeFirst();
      if (row) this.#providers.set(integrationId, (p = row.provider));
    }
    return p;
  }

  async #processOne(ctx: BatchContext, receipt: ReceiptRow, updates: CanonicalUpdate[]): Promise<string> {
    if (receipt.source === 'ingest_sinch') {
      try {
        return await applyDirectReport(ctx.trx, receipt.project_id, asBuffer(receipt.body), receipt.received_at);
      } catch (err) {
        return `error: ${(err as Error).message}`.slice(0, 500);
      }
    }
    const outcomes: Applied[] = [];
    for (const u of updates) {
      if (u.kind === 'status') outcomes.push(await this.#applyStatus(ctx, receipt, u));
      else if (u.kind === 'inbound') outcomes.push(await this.#applyInbound(ctx, receipt, u));
      else if (u.kind === 'consent') outcomes.push(await this.#applyConsent(ctx, receipt, u));
      else outcomes.push('ignored');
    }
    // Whatever was applied stays applied (events are deduplicated), the rest comes back later.
    if (outcomes.includes('defer')) return 'defer';
    return [...new Set(outcomes)].join(',') || 'ignored';
  }

  async #applyStatus(ctx: BatchContext, receipt: ReceiptRow, u: StatusUpdate): Promise<Applied> {
    const { trx } = ctx;
    const m = ctx.messages.find(receipt.integration_id, u);
    if (!m) return 'unmatched';
    // The send's own outcome isn't written yet (a report can overtake it): wait for it, so the
    // event carries sent_timestamp and `enqueued` comes first.
    if (m.sent_at_us === null) return m.dispatch_state === 'queued' || m.dispatch_state === 'sending' ? 'defer' : 'unmatched';
    if (!withinReportWindow(m.sent_at_us / 1000, receipt.received_at)) return 'outside_window';
    const t = transition(m.status, u.status);
    if (t.kind === 'ignore') return t.reason;
    const settings = await this.#settingsFor(ctx, m.project_id);
    const inserted = await recordEvent(trx, {
      project_id: m.project_id,
      customer_ref: m.customer_ref,
      customer_id: m.customer_id,
      name: eventName(settings, m.channel),
      status: u.status,
      timestamp: (u.occurredAt ?? new Date(receipt.received_at)).getTime(),
      properties: campaignEventProperties(m, u.status, { status_code: u.statusCode, error: u.error, comment: u.comment }),
      message_id: m.id,
      campaign_id: m.campaign_id,
      dedup_key: `${m.id}:${u.status}`,
    });
    if (t.kind === 'advance') {
      // Later reports in this batch see the new status; the row is written once at the end.
      m.status = u.status;
      ctx.statusChanges.set(m.id, u.status);
    }
    if (!inserted) return 'duplicate';
    return t.kind === 'advance' ? 'applied' : 'late_event';
  }

  async #applyConsent({ trx, after }: BatchContext, receipt: ReceiptRow, u: ConsentUpdate): Promise<Applied> {
    const customer = await customerByPhone(trx, receipt.project_id, u.phone, 'inbound');
    await setConsent(
      trx,
      { projectId: receipt.project_id, customerRef: customer.id, channel: u.channel, optedOut: u.optedOut, source: 'provider_notification', detail: receipt.integration_id },
      u.occurredAt?.getTime() ?? receipt.received_at,
    );
    if (u.optedOut) after.push(() => this.hooks.optedOut(customer.id, u.channel));
    return 'applied';
  }

  /**
   * Acts on a keyword: consent for the compliance ones, and the reply, queued as a transactional
   * message through the integration and to/from the numbers the message came in on.
   */
  async #applyKeyword({ trx, after }: BatchContext, receipt: ReceiptRow, u: InboundMessage, customer: CustomersTable, settings: ProjectSettings): Promise<void> {
    const match = matchKeyword(keywordsFor(settings, u.channel), u.text);
    if (!match) return;
    if (match.action === 'opt_out' || match.action === 'opt_in') {
      const optedOut = match.action === 'opt_out';
      await setConsent(trx, { projectId: receipt.project_id, customerRef: customer.id, channel: u.channel, optedOut, source: 'keyword', detail: match.keyword });
      if (optedOut) after.push(() => this.hooks.optedOut(customer.id, u.channel));
    }
    if (!match.reply) return;
    const integration = await this.integrations.runtime(receipt.integration_id, trx);
    const channel = u.channel === 'mms' ? 'sms' : u.channel;
    if (!integration || !integration.adapter.channels.includes(channel)) return;
    const row = messageRow(
      {
        projectId: receipt.project_id,
        route: { integration, sender: u.to || null, senderProfileId: null },
        campaignId: null,
        customerRef: customer.id,
        customerId: customer.customer_id,
        recipient: u.from,
        composed: composeMessage({ channel, body: match.reply }),
        idempotencyKey: null,
        autoReply: true,
      },
      Date.now(),
    );
    await trx.insertInto('messages').values(row).execute();
    after.push(() => this.hooks.queued(integration.id));
  }

  async #applyInbound(ctx: BatchContext, receipt: ReceiptRow, u: InboundMessage): Promise<Applied> {
    const { trx } = ctx;
    const customer = await customerByPhone(trx, receipt.project_id, u.from, 'inbound');
    const settings = await this.#settingsFor(ctx, receipt.project_id);
    const inserted = await recordEvent(trx, {
      project_id: receipt.project_id,
      customer_ref: customer.id,
      customer_id: customer.customer_id,
      name: eventName(settings, u.channel),
      status: 'incoming_message',
      timestamp: (u.occurredAt ?? new Date(receipt.received_at)).getTime(),
      properties: incomingEventProperties({
        channel: u.channel,
        from: u.from,
        to: u.to,
        text: u.text,
        media: u.media,
        integration_id: receipt.integration_id,
        provider_message_id: u.providerMessageId,
        sent_at_ms: u.occurredAt?.getTime() ?? null,
      }),
      message_id: null,
      campaign_id: null,
      dedup_key: `in:${receipt.integration_id}:${u.providerMessageId ?? receipt.body_hash}`,
    });
    if (!inserted) return 'duplicate';
    await this.#applyKeyword(ctx, receipt, u, customer, settings);
    return 'applied';
  }
}

/**
 * The messages a batch's status updates name, read in a few queries up front: by our message id
 * where the provider echoes it, else by the provider's id (and recipient). The row objects are
 * shared, so a status applied by one report is seen by the next one about the same message.
 */
class MessageLookup {
  readonly #byId = new Map<string, MessagesTable>();
  /** `integration id` + NUL + `provider message id` → the messages with that id (a batch may have several recipients). */
  readonly #byProviderId = new Map<string, MessagesTable[]>();

  static async prefetch(trx: DB, updates: { integrationId: string; update: CanonicalUpdate }[]): Promise<MessageLookup> {
    const lookup = new MessageLookup();
    const statuses = updates.filter((u): u is { integrationId: string; update: StatusUpdate } => u.update.kind === 'status');
    const ids = [...new Set(statuses.flatMap((s) => (s.update.messageId ? [s.update.messageId] : [])))];
    for (const m of await messagesById.rows(trx, {}, ids)) lookup.#byId.set(m.id, m);
    // Reports that don't carry our id, or carry one that isn't this integration's message.
    const byIntegration = new Map<string, Set<string>>();
    for (const { integrationId, update } of statuses) {
      if (!update.providerMessageId || lookup.#ownMessage(integrationId, update)) continue;
      let set = byIntegration.get(integrationId);
      if (!set) byIntegration.set(integrationId, (set = new Set()));
      set.add(update.providerMessageId);
    }
    for (const [integrationId, providerIds] of byIntegration) {
      for (const row of await messagesByProviderId.rows(trx, { integration_id: integrationId }, [...providerIds])) {
        const m = lookup.#byId.get(row.id) ?? row;
        lookup.#byId.set(m.id, m);
        const key = `${integrationId}\0${m.provider_message_id}`;
        const list = lookup.#byProviderId.get(key);
        if (list) list.push(m);
        else lookup.#byProviderId.set(key, [m]);
      }
    }
    return lookup;
  }

  find(integrationId: string, u: StatusUpdate): MessagesTable | undefined {
    const own = this.#ownMessage(integrationId, u);
    if (own) return own;
    if (!u.providerMessageId) return undefined;
    const candidates = this.#byProviderId.get(`${integrationId}\0${u.providerMessageId}`) ?? [];
    return u.recipient ? candidates.find((m) => m.recipient === u.recipient) : candidates[0];
  }

  #ownMessage(integrationId: string, u: StatusUpdate): MessagesTable | undefined {
    const m = u.messageId ? this.#byId.get(u.messageId) : undefined;
    return m && m.integration_id === integrationId ? m : undefined;
  }
}

function asBuffer(body: Uint8Array): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.from(body);
}

const deferReceipt = prepared<{ id: number; until: number }>((db, p) => db.updateTable('receipts').set({ defer_until: p.until }).where('id', '=', p.id));

const markProcessed = preparedList<{ outcome: string; now: number }>((db, p, ids) =>
  db
    .updateTable('receipts')
    .set({ processed_at: p.now, outcome: p.outcome, defer_until: null })
    .where('id', 'in', ids as number[]),
);

const setMessageStatus = preparedList<{ status: DeliveryStatus; now: number }>((db, p, ids) =>
  db
    .updateTable('messages')
    .set({ status: p.status, updated_at: p.now })
    .where('id', 'in', ids as string[]),
);

const messagesById = preparedList<Record<string, never>, MessagesTable>((db, _p, ids) => db.selectFrom('messages').selectAll().where('id', 'in', ids as string[]));

const messagesByProviderId = preparedList<{ integration_id: string }, MessagesTable>((db, p, ids) =>
  db
    .selectFrom('messages')
    .selectAll()
    .where('integration_id', '=', p.integration_id)
    .where('provider_message_id', 'in', ids as string[]),
);
