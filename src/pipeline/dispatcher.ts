// The dispatcher: one worker per integration, each with its own queue (rows of `messages`), its
// own rate limiter and its own connection pool, so a slow or throttled provider account never
// holds up another. Send outcomes are written in batches (one transaction for many results).
import { sql } from 'kysely';
import { Agent } from 'undici';
import { randomToken } from '../core/crypto.js';
import { campaignEventProperties, eventName, nowMicros } from '../core/events.js';
import { refusedStatus, type Channel } from '../core/status.js';
import type { Logger } from '../logger.js';
import type { SendResult } from '../providers/types.js';
import { channelsOfConsent, setConsent } from '../services/consent.js';
import { recordEvent } from '../services/events.js';
import type { IntegrationRuntime, IntegrationService } from '../services/integrations.js';
import { storedContent, type Handoff, type QueueSignal } from '../services/messages.js';
import { getProject, settingsOf } from '../services/projects.js';
import type { DB } from '../store/db.js';
import type { GroupCommit } from '../store/group-commit.js';
import { prepared } from '../store/prepared.js';
import type { MessagesTable } from '../store/schema.js';
import { DEFAULT_BACKOFF, retryDelay, type BackoffPolicy } from './backoff.js';
import type { Metrics } from './metrics.js';
import { LOOKAHEAD, pickFitting, SlidingWindowLimiter } from './rate-limiter.js';
import { Signal } from './signal.js';

export interface DispatcherOptions {
  backoff?: BackoffPolicy;
  /** How often an idle worker looks for due retries it wasn't told about. */
  pollMs?: number;
  /** The rate limiter's window (default one second). */
  rateWindowMs?: number;
}

interface Outcome {
  message: MessagesTable;
  result: SendResult;
  sentAtUs: number;
}

export class Dispatcher implements QueueSignal {
  readonly workerId = randomToken(6);
  readonly #workers = new Map<string, IntegrationWorker>();
  readonly #limiters = new Map<string, SlidingWindowLimiter>();
  readonly #refreshing = new Map<string, Promise<void>>();
  #started = false;
  readonly #writer: OutcomeWriter;
  readonly #optOuts = new RecentOptOuts();
  readonly #onChanged = (id: string) => void this.#refresh(id);

  constructor(
    private readonly db: DB,
    private readonly commit: GroupCommit,
    private readonly integrations: IntegrationService,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
    private readonly options: DispatcherOptions = {},
  ) {
    this.#writer = new OutcomeWriter(commit, logger, metrics, options.backoff ?? DEFAULT_BACKOFF, (ref, channel) => void this.dropCustomer(ref, channelsOfConsent(channel)));
  }

  async start(): Promise<void> {
    // Whatever a previous process had claimed was in flight when it died: send it again, and
    // mark it, since the provider may already have it.
    const recovered = await this.db
      .updateTable('messages')
      .set({ dispatch_state: 'queued', claimed_by: null, in_flight_at_crash: 1, updated_at: Date.now() })
      .where('dispatch_state', '=', 'sending')
      .executeTakeFirst();
    if (recovered.numUpdatedRows > 0n) {
      this.logger.warn({ messages: Number(recovered.numUpdatedRows) }, 'requeued messages that were in flight at the last stop; they may be duplicated');
    }
    this.#started = true;
    this.integrations.on('changed', this.#onChanged);
    for (const id of await this.integrations.activeIds()) await this.#refresh(id);
  }

  notify(integrationId: string): void {
    const w = this.#workers.get(integrationId);
    if (w) w.wake();
    else if (this.#started && !this.#refreshing.has(integrationId)) void this.#refresh(integrationId);
  }

  handoff(integrationId: string): Handoff | null {
    return this.#workers.get(integrationId)?.reserve() ?? null;
  }

  /**
   * A customer opted out: drop what workers have claimed for them but not sent yet. (What was
   * still queued was cancelled with the opt-out itself.) A claim or handoff committed before
   * the opt-out may reach its worker only after this ran: workers screen what they take in
   * against the recent opt-outs too.
   */
  async dropCustomer(customerRef: string, channels: readonly Channel[]): Promise<void> {
    const at = Date.now();
    for (const channel of channels) this.#optOuts.add(customerRef, channel, at);
    await this.#cancelOptedOut([...this.#workers.values()].flatMap((w) => w.drop((m) => this.#optOuts.covers(m))));
  }

  /** The messages among `rows` that may still go out; the others are cancelled. */
  readonly #screen = (rows: MessagesTable[]): MessagesTable[] => {
    if (this.#optOuts.size === 0) return rows;
    const kept: MessagesTable[] = [];
    const dropped: MessagesTable[] = [];
    for (const m of rows) (this.#optOuts.covers(m) ? dropped : kept).push(m);
    if (dropped.length) this.#cancelOptedOut(dropped).catch((err: unknown) => this.logger.error({ err }, 'cancelling messages of an opted-out customer failed'));
    return kept;
  };

  async #cancelOptedOut(dropped: MessagesTable[]): Promise<void> {
    if (dropped.length === 0) return;
    await this.db
      .updateTable('messages')
      .set({ dispatch_state: 'cancelled', claimed_by: null, last_error: JSON.stringify({ reason: 'opted_out' }), updated_at: Date.now() })
      .where('id', 'in', dropped.map((m) => m.id))
      .where('dispatch_state', '=', 'sending')
      .execute();
  }

  queueDepths(): Record<string, { buffered: number; inFlight: number }> {
    return Object.fromEntries([...this.#workers].map(([id, w]) => [id, { buffered: w.buffered, inFlight: w.inFlight }]));
  }

  /** Refreshes are chained per integration, so racing notifications never make two workers. */
  #refresh(id: string): Promise<void> {
    const next = (this.#refreshing.get(id) ?? Promise.resolve()).then(() => this.#replaceWorker(id));
    const settled = next.catch((err: unknown) => this.logger.error({ err, integration_id: id }, 'could not start the integration worker'));
    this.#refreshing.set(id, settled);
    void settled.finally(() => {
      if (this.#refreshing.get(id) === settled) this.#refreshing.delete(id);
    });
    return settled;
  }

  async #replaceWorker(id: string): Promise<void> {
    if (!this.#started) return;
    const rt = await this.integrations.runtime(id);
    const existing = this.#workers.get(id);
    if (existing) {
      this.#workers.delete(id);
      await existing.stop();
    }
    if (!rt || !this.#started) {
      this.#limiters.delete(id);
      // Deleted: what its worker handed back (claimed, or waiting to retry) goes nowhere now.
      if (!rt) {
        await this.db
          .updateTable('messages')
          .set({ dispatch_state: 'cancelled', last_error: JSON.stringify({ reason: 'integration_deleted' }), updated_at: Date.now() })
          .where('integration_id', '=', id)
          .where('dispatch_state', '=', 'queued')
          .execute();
      }
      return;
    }
    // The limiter outlives workers: a config change must not reset the window and allow a burst.
    let limiter = this.#limiters.get(id) ?? null;
    if (!rt.rateLimit) limiter = null;
    else if (!limiter || limiter.limit !== rt.rateLimit) limiter = new SlidingWindowLimiter(rt.rateLimit, this.options.rateWindowMs ?? 1000);
    if (limiter) this.#limiters.set(id, limiter);
    else this.#limiters.delete(id);
    const w = new IntegrationWorker(rt, limiter, this.db, this.commit, this.#writer, this.#screen, this.workerId, this.logger, this.options);
    this.#workers.set(id, w);
    w.start();
  }

  async stop(): Promise<void> {
    this.#started = false;
    this.integrations.off('changed', this.#onChanged);
    await Promise.all([...this.#workers.values()].map((w) => w.stop()));
    this.#workers.clear();
    await this.#writer.drain();
  }
}

class IntegrationWorker {
  readonly #signal = new Signal();
  readonly #slot = new Signal();
  /** Notified by stop() alone: what a sender waiting for its rate window listens to. */
  readonly #stopped = new Signal();
  readonly #agent: Agent;
  #buffer: MessagesTable[] = [];
  #inFlight = 0;
  #running = false;
  /**
   * Until when the store holds nothing due for this worker that it has not claimed: set by a
   * claim that came back short, cleared by news of other work. Only while it holds may
   * messages be handed over in memory, or they would overtake older ones.
   */
  #caughtUpUntil = 0;
  /** Bumped by each wake(): news that arrived while a claim ran makes its result stale. */
  #news = 0;
  /** Handoffs agreed whose messages are not stored yet. */
  #reserved = 0;
  readonly #handoffsSettled = new Signal();
  #loop: Promise<void> | null = null;
  readonly #sends = new Set<Promise<void>>();

  constructor(
    private readonly rt: IntegrationRuntime,
    readonly limiter: SlidingWindowLimiter | null,
    private readonly db: DB,
    private readonly commit: GroupCommit,
    private readonly writer: OutcomeWriter,
    /** Filters what comes into the buffer (see Dispatcher.dropCustomer). */
    private readonly screen: (rows: MessagesTable[]) => MessagesTable[],
    private readonly workerId: string,
    private readonly logger: Logger,
    private readonly options: DispatcherOptions,
  ) {
    this.#agent = new Agent({ connections: rt.maxConcurrency, keepAliveTimeout: 30_000, pipelining: 1 });
  }

  get buffered(): number {
    return this.#buffer.length;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  wake(): void {
    this.#news++;
    this.#caughtUpUntil = 0;
    this.#signal.notify();
  }

  /** A handoff (see QueueSignal.handoff), when this worker would send the message next anyway. */
  reserve(): Handoff | null {
    if (!this.#running || this.#caughtUpUntil <= Date.now()) return null;
    if (this.#buffer.length + this.#reserved >= this.#claimSize()) return null;
    this.#reserved++;
    let open = true;
    const settle = () => {
      if (!open) return false;
      open = false;
      if (--this.#reserved === 0) this.#handoffsSettled.notify();
      return true;
    };
    return {
      claimedBy: this.workerId,
      deliver: (message) => {
        if (!settle()) return;
        // After stop() too: stop waits for open handoffs, then hands the buffer back.
        if (this.screen([message]).length === 0) return;
        this.#buffer.push(message);
        this.#signal.notify();
      },
      cancel: () => void settle(),
    };
  }

  /** Removes claimed, unsent messages that match; returns them. */
  drop(match: (m: MessagesTable) => boolean): MessagesTable[] {
    const dropped = this.#buffer.filter(match);
    if (dropped.length) this.#buffer = this.#buffer.filter((m) => !match(m));
    return dropped;
  }

  start(): void {
    this.#running = true;
    this.#loop = this.#run().catch((err: unknown) => {
      this.logger.error({ err, integration_id: this.rt.id }, 'dispatcher worker stopped on an error');
    });
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#signal.notify();
    this.#slot.notify();
    this.#stopped.notify();
    await this.#loop;
    await Promise.allSettled([...this.#sends]);
    while (this.#reserved > 0) await this.#handoffsSettled.wait(1000);
    // Claimed but never sent: hand them back to the queue untouched.
    const ids = this.#buffer.map((m) => m.id);
    this.#buffer = [];
    if (ids.length) {
      await this.db.updateTable('messages').set({ dispatch_state: 'queued', claimed_by: null }).where('id', 'in', ids).where('dispatch_state', '=', 'sending').execute();
    }
    await this.#agent.close();
  }

  /**
   * Claims only what can go out soon, so little is left "in flight" if the process dies, but
   * at least the limiter's lookahead: at low limits it needs choices to fill each window.
   */
  #claimSize(): number {
    const byRate = this.rt.rateLimit ? Math.ceil(this.rt.rateLimit / 4) : this.rt.maxConcurrency * 2;
    return Math.max(LOOKAHEAD, Math.min(500, byRate, this.rt.maxConcurrency * 2));
  }

  /** Claims due messages into the buffer, up to the claim size, in the order they fell due. */
  async #claim(): Promise<void> {
    const news = this.#news;
    const limit = Math.max(1, this.#claimSize() - this.#buffer.length);
    const now = Date.now();
    const rows = await this.commit.run((trx) => claimDue.rows(trx, { integration_id: this.rt.id, worker: this.workerId, now, limit }), { oneStatement: true });
    // Merged with what the buffer holds: earlier claims, and handed-over messages.
    this.#buffer = this.#buffer.concat(this.screen(rows)).sort(byDue);
    if (rows.length === limit || this.#news !== news) return;
    // The queue was empty behind this claim: the next one waits for news, or for the next
    // retry to fall due, or for the poll (retries this worker was not told about).
    const next = await nextDue.first(this.db, { integration_id: this.rt.id });
    const poll = this.options.pollMs ?? 1000;
    const dueIn = next?.t == null ? poll : Math.max(0, Math.min(poll, Number(next.t) - Date.now()));
    if (this.#news === news) this.#caughtUpUntil = Date.now() + dueIn;
  }

  async #run(): Promise<void> {
    while (this.#running) {
      if (this.#buffer.length === 0) {
        const idleMs = this.#caughtUpUntil - Date.now();
        if (idleMs > 0) await this.#signal.wait(idleMs);
        else await this.#claim();
        continue;
      }
      // Under a rate limit the lookahead lets small messages fill what a big one leaves of a
      // window: keep it full while the store may hold more, rather than letting it run dry.
      if (this.limiter && this.#buffer.length < LOOKAHEAD && this.#caughtUpUntil <= Date.now()) await this.#claim();
      // A free connection first, then the limiter: parts are taken only when they can go now.
      while (this.#running && this.#inFlight >= this.rt.maxConcurrency) await this.#slot.wait(1000);
      if (!this.#running) break;
      let index = 0;
      if (this.limiter) {
        const pick = pickFitting(this.limiter, this.#buffer.slice(0, LOOKAHEAD).map((m) => m.parts), Date.now());
        if ('waitMs' in pick) {
          // Cut short by stop(): a worker replaced by a config change (a new rate limit, say)
          // must not first wait out the old limit's window.
          await this.#stopped.wait(pick.waitMs);
          continue;
        }
        index = pick.index;
      }
      const message = this.#buffer.splice(index, 1)[0]!;
      this.#inFlight++;
      // The connection is free once the provider has answered: the next send need not wait for
      // this outcome's commit (which groups with others).
      const p = this.#send(message)
        .then((outcome) => {
          this.limiter?.finish(message.parts, Date.now());
          this.#inFlight--;
          this.#slot.notify();
          return this.writer.write(outcome);
        })
        .catch((err: unknown) => this.logger.error({ err, message_id: message.id }, 'writing a send outcome failed; the message is retried after a restart'))
        .finally(() => this.#sends.delete(p));
      this.#sends.add(p);
    }
  }

  /** The status webhook, carrying our message id for providers that echo nothing else back. */
  #statusCallbackUrl(messageId: string): string {
    const route = this.rt.adapter.webhookRoutes.find((r) => r.statusCallback) ?? this.rt.adapter.webhookRoutes[0];
    const base = route ? this.rt.webhookUrls[route.name] : undefined;
    return base ? `${base}?message_id=${encodeURIComponent(messageId)}` : '';
  }

  async #send(message: MessagesTable): Promise<Outcome> {
    const stored = storedContent(message);
    const sentAtUs = nowMicros();
    let result: SendResult;
    try {
      result = await this.rt.adapter.send(
        { config: this.rt.config, secrets: this.rt.secrets, dispatcher: this.#agent, webhookUrls: this.rt.webhookUrls },
        {
          messageId: message.id,
          channel: message.channel,
          to: message.recipient,
          from: message.sender,
          body: message.body,
          parts: message.parts,
          media: stored.media_urls,
          content: stored.content,
          statusCallbackUrl: this.#statusCallbackUrl(message.id),
        },
      );
    } catch (err) {
      // An adapter bug must not lose the message: treat it as retryable.
      this.logger.error({ err, message_id: message.id, integration_id: this.rt.id }, 'provider adapter threw');
      result = { kind: 'retry', statusCode: null, error: 'adapter_error', comment: err instanceof Error ? err.message : String(err) };
    }
    return { message, result, sentAtUs };
  }
}

/**
 * Customers who opted out of a channel in the last minute, and when. A message created before
 * the opt-out (other than a keyword's own reply) must not go out; one created after it passed
 * the consent check itself, against the opt-out or a later opt-in.
 */
class RecentOptOuts {
  readonly #at = new Map<string, number>();

  constructor(private readonly keepMs = 60_000) {}

  get size(): number {
    return this.#at.size;
  }

  add(customerRef: string, channel: Channel, at: number): void {
    const key = `${customerRef}\n${channel}`;
    this.#at.delete(key);
    this.#at.set(key, at);
    // Oldest first: forget what is past keeping.
    for (const [k, t] of this.#at) {
      if (t > at - this.keepMs) break;
      this.#at.delete(k);
    }
  }

  covers(m: MessagesTable): boolean {
    if (m.auto_reply === 1) return false;
    const at = this.#at.get(`${m.customer_ref}\n${m.channel}`);
    return at !== undefined && m.created_at <= at && Date.now() - at < this.keepMs;
  }
}

function byDue(a: MessagesTable, b: MessagesTable): number {
  return a.next_attempt_at - b.next_attempt_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Group commit of send outcomes: everything that finished meanwhile goes in one transaction. */
class OutcomeWriter {
  #pending: { outcome: Outcome; done: () => void; fail: (e: unknown) => void }[] = [];
  #flushing: Promise<void> | null = null;

  constructor(
    private readonly commit: GroupCommit,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
    private readonly backoff: BackoffPolicy,
    /** Called after commit for each customer a provider refusal showed to have opted out. */
    private readonly onOptOut: (customerRef: string, channel: Channel) => void,
  ) {}

  write(outcome: Outcome): Promise<void> {
    return new Promise((done, fail) => {
      this.#pending.push({ outcome, done, fail });
      if (!this.#flushing) this.#flushing = this.#flush();
    });
  }

  async drain(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  async #flush(): Promise<void> {
    // Let outcomes that finish in the same tick join this batch.
    await new Promise((r) => setImmediate(r));
    while (this.#pending.length > 0) {
      const batch = this.#pending;
      this.#pending = [];
      try {
        const optOuts: MessagesTable[] = [];
        optOuts.length = 0;
        await this.commit.run(async (trx) => {
          const settings = new Map<string, ReturnType<typeof settingsOf>>();
          for (const { outcome } of batch) {
            if (outcome.result.kind === 'refused' && outcome.result.optedOut) optOuts.push(outcome.message);
            const pid = outcome.message.project_id;
            if (!settings.has(pid)) settings.set(pid, settingsOf(await getProject(trx, pid)));
            await this.#apply(trx, outcome, settings.get(pid)!);
          }
        });
        for (const m of optOuts) this.onOptOut(m.customer_ref, m.channel);
        for (const b of batch) b.done();
      } catch (err) {
        this.logger.error({ err }, 'writing send outcomes failed');
        for (const b of batch) b.fail(err);
      }
    }
    this.#flushing = null;
  }

  async #apply(trx: DB, { message: m, result, sentAtUs }: Outcome, settings: ReturnType<typeof settingsOf>): Promise<void> {
    const now = Date.now();
    const name = eventName(settings, m.channel);
    const event = (status: string, props: Record<string, unknown>) =>
      recordEvent(trx, {
        project_id: m.project_id,
        customer_ref: m.customer_ref,
        customer_id: m.customer_id,
        name,
        status,
        timestamp: Math.floor(sentAtUs / 1000),
        properties: props,
        message_id: m.id,
        campaign_id: m.campaign_id,
        dedup_key: `${m.id}:${status}`,
      });

    if (result.kind === 'accepted') {
      const parts = result.parts ?? m.parts;
      await markAccepted.execute(trx, { id: m.id, provider_message_id: result.providerMessageId, sent_at_us: sentAtUs, parts, attempts: m.attempts + 1, updated_at: now });
      const facts = { ...m, provider_message_id: result.providerMessageId, sent_at_us: sentAtUs, parts };
      await event('enqueued', campaignEventProperties(facts, 'enqueued'));
      this.metrics.count('messages_enqueued_total', m.integration_id);
      return;
    }

    const failure = { status_code: result.statusCode, error: result.error, comment: result.comment };
    const attempts = m.attempts + 1;
    if (result.kind === 'retry') {
      const delay = retryDelay(attempts, result.retryAfterMs, this.backoff);
      if (now + delay < m.deadline_at) {
        await markRetry.execute(trx, { id: m.id, next_attempt_at: now + delay, attempts, last_error: JSON.stringify(failure), updated_at: now });
        this.metrics.count('send_retries_total', m.integration_id);
        return;
      }
    }
    // Refused, or out of time for retries: the provider never took it.
    const status = refusedStatus(m.channel);
    await markRefused.execute(trx, { id: m.id, status, attempts, sent_at_us: sentAtUs, last_error: JSON.stringify(failure), updated_at: now });
    await event(status, campaignEventProperties({ ...m, sent_at_us: sentAtUs }, status, failure));
    if (result.kind === 'refused' && result.optedOut) {
      // The provider knows the customer opted out (e.g. replied STOP to that sender): so do we.
      await setConsent(trx, {
        projectId: m.project_id,
        customerRef: m.customer_ref,
        channel: m.channel,
        optedOut: true,
        source: 'provider_error',
        detail: `${m.integration_id}: ${result.error} ${result.comment}`.slice(0, 500),
      });
    }
    this.metrics.count('messages_refused_total', m.integration_id);
  }
}

/** Claims the integration's due messages for this worker, oldest first. */
const claimDue = prepared<{ integration_id: string; worker: string; now: number; limit: number }, MessagesTable>((db, p) =>
  db
    .updateTable('messages')
    .set({ dispatch_state: 'sending', claimed_by: p.worker, updated_at: p.now })
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('messages')
        .select('id')
        .where('integration_id', '=', p.integration_id)
        .where('dispatch_state', '=', 'queued')
        .where('next_attempt_at', '<=', p.now)
        .orderBy('next_attempt_at')
        .orderBy('id')
        .limit(p.limit),
    )
    .where('dispatch_state', '=', 'queued')
    .returningAll(),
);

const nextDue = prepared<{ integration_id: string }, { t: number | null }>((db, p) =>
  db
    .selectFrom('messages')
    .select(sql<number | null>`min(next_attempt_at)`.as('t'))
    .where('integration_id', '=', p.integration_id)
    .where('dispatch_state', '=', 'queued'),
);

const markAccepted = prepared<Pick<MessagesTable, 'id' | 'provider_message_id' | 'sent_at_us' | 'parts' | 'attempts' | 'updated_at'>>((db, p) =>
  db
    .updateTable('messages')
    .set({
      // Forward-only even here: after a crash, reports of the first send may already have moved it on.
      status: sql`case when status = 'queued' then 'enqueued' else status end`,
      dispatch_state: 'done',
      provider_message_id: p.provider_message_id,
      sent_at_us: p.sent_at_us,
      parts: p.parts,
      attempts: p.attempts,
      claimed_by: null,
      last_error: null,
      updated_at: p.updated_at,
    })
    .where('id', '=', p.id),
);

const markRetry = prepared<Pick<MessagesTable, 'id' | 'next_attempt_at' | 'attempts' | 'last_error' | 'updated_at'>>((db, p) =>
  db
    .updateTable('messages')
    .set({ dispatch_state: 'queued', next_attempt_at: p.next_attempt_at, attempts: p.attempts, claimed_by: null, last_error: p.last_error, updated_at: p.updated_at })
    .where('id', '=', p.id),
);

const markRefused = prepared<Pick<MessagesTable, 'id' | 'status' | 'attempts' | 'sent_at_us' | 'last_error' | 'updated_at'>>((db, p) =>
  db
    .updateTable('messages')
    .set({ status: p.status, dispatch_state: 'done', attempts: p.attempts, claimed_by: null, sent_at_us: p.sent_at_us, last_error: p.last_error, updated_at: p.updated_at })
    .where('id', '=', p.id),
);
