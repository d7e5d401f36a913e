// One integration's sender: claims due messages into a buffer, sends them through the
// integration's own connection pool as its rate limit allows, and hands each result to the
// outcome writer.
import { Agent } from 'undici';
import { nowMicros } from '../core/events.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { storedContent, type Handoff } from '../services/messages.js';
import type { SendAttemptResult } from '../messages/state.js';
import { guardedConnector } from '../providers/guarded-connector.js';
import type { FindResult, SendContext, SendResult } from '../providers/types.js';
import type { IntegrationRuntime } from '../services/integration-registry.js';
import type { DB } from '../store/db.js';
import type { GroupCommit } from '../store/group-commit.js';
import * as messageStore from '../store/messages.js';
import type { MessagesTable } from '../store/schema.js';
import { Signal } from '../util/signal.js';
import type { DispatcherOptions } from './dispatcher.js';
import type { Failover } from './failover.js';
import type { Outcome, OutcomeWriter } from './outcome-writer.js';
import { sanitizeSendResult, secretValues } from './sanitize.js';
import { LOOKAHEAD, pickFitting, type SlidingWindowLimiter } from './rate-limiter.js';

export class IntegrationSender {
  readonly #signal = new Signal();
  readonly #slot = new Signal();
  /** Notified by stop() alone: what a sender waiting for its rate window listens to. */
  readonly #stopped = new Signal();
  readonly #agent: Agent;
  /** What no stored provider text may contain. */
  readonly #secrets: string[];
  #buffer: MessagesTable[] = [];
  #inFlight = 0;
  #running = false;
  /**
   * Until when the store holds nothing due for this sender that it has not claimed: set by a
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
  /** Claimed while the breaker was open but with nowhere to fail over to: sent here as usual. */
  readonly #stay = new Set<string>();

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
    private readonly metrics: Metrics,
    private readonly options: DispatcherOptions,
    private readonly failover: Failover,
  ) {
    // Every request of this integration goes through this pool (sends, lookups, tokens), so the
    // connector's address check covers them all.
    this.#agent = new Agent({
      connections: rt.maxConcurrency,
      keepAliveTimeout: 30_000,
      pipelining: 1,
      connect: guardedConnector({ allowLoopback: options.allowLoopbackProviderUrls ?? false }),
    });
    this.#secrets = secretValues(rt.secrets, rt.webhookToken);
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

  /** A handoff (see QueueSignal.handoff), when this sender would send the message next anyway. */
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
      this.logger.error({ err, integration_id: this.rt.id }, 'integration sender stopped on an error');
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
    await messageStore.releaseClaims(this.db, ids, this.workerId);
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
    const rows = await this.commit.run((trx) => messageStore.claimDue(trx, { integrationId: this.rt.id, worker: this.workerId, now, limit }), { oneStatement: true });
    // Merged with what the buffer holds: earlier claims, and handed-over messages.
    this.#buffer = this.#buffer.concat(this.screen(rows)).sort(byDue);
    if (rows.length === limit || this.#news !== news) return;
    // The queue was empty behind this claim: the next one waits for news, or for the next
    // retry to fall due, or for the poll (retries this sender was not told about).
    const next = await messageStore.nextDueAt(this.db, this.rt.id);
    const poll = this.options.pollMs ?? 1000;
    const dueIn = next === null ? poll : Math.max(0, Math.min(poll, next - Date.now()));
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
      // Checked here, just before a send, since a message can pass its deadline in the queue,
      // the buffer or the rate window: past it, it is refused unsent.
      if (this.#refuseExpired(Date.now()) > 0) continue;
      // The breaker open: what never reached this provider goes to the next integration.
      const admission = this.failover.admission(this.rt.id);
      if (admission === 'send') this.#stay.clear();
      else if (admission === 'reroute' && (await this.#reroute())) continue;
      if (!this.#running) break;
      let index = 0;
      if (this.limiter) {
        const pick = pickFitting(this.limiter, this.#buffer.slice(0, LOOKAHEAD).map((m) => m.parts), Date.now());
        if ('waitMs' in pick) {
          // Cut short by stop(): a sender replaced by a config change (a new rate limit, say)
          // must not first wait out the old limit's window.
          const waitStart = performance.now();
          await this.#stopped.wait(pick.waitMs);
          this.metrics.rateLimitWait.inc({ integration_id: this.rt.id }, (performance.now() - waitStart) / 1000);
          continue;
        }
        index = pick.index;
      }
      const message = this.#buffer.splice(index, 1)[0]!;
      this.#stay.delete(message.id);
      const probe = admission === 'probe';
      if (probe) this.failover.startProbe(this.rt.id);
      const startedAt = Date.now();
      this.#inFlight++;
      // The connection is free once the provider has answered: the next send need not wait for
      // this outcome's commit (which groups with others).
      const p = this.#send(message)
        .then(async (outcome) => {
          this.limiter?.finish(message.parts, Date.now());
          this.#inFlight--;
          this.#slot.notify();
          this.failover.record(this.rt, outcome.result, { attempt: message.attempts + 1, startedAt, probe });
          return this.writer.write(await this.#failoverRefusal(outcome));
        })
        .catch((err: unknown) => this.logger.error({ err, message_id: message.id }, 'writing a send outcome failed; the message is retried after a restart'))
        .finally(() => this.#sends.delete(p));
      this.#sends.add(p);
    }
  }

  /**
   * Hands what the buffer holds that may go elsewhere to failover; what has nowhere to go stays
   * and is sent here. Whether anything was taken out of the buffer.
   */
  async #reroute(): Promise<boolean> {
    // Not what a provider may have already (an attempt left unanswered): only the unknown-outcome
    // path may send that again, here.
    const movable = this.#buffer.filter((m) => m.unconfirmed_since === null && !this.#stay.has(m.id));
    if (movable.length === 0) return false;
    const ids = new Set(movable.map((m) => m.id));
    this.#buffer = this.#buffer.filter((m) => !ids.has(m.id));
    let stay: MessagesTable[];
    try {
      stay = await this.failover.reroute(this.rt, movable, this.workerId);
    } catch (err) {
      // Nothing was moved (see Failover.reroute): all of them are still this sender's.
      this.logger.error({ err, integration_id: this.rt.id }, 'failover could not move messages; they are sent here');
      stay = movable;
    }
    for (const m of stay) this.#stay.add(m.id);
    if (stay.length) this.#buffer = this.#buffer.concat(stay).sort(byDue);
    return true;
  }

  /**
   * A refusal for a provider fault (a credential refused, say) when the channel can fail over:
   * retried instead, so the message is moved once the breaker opens rather than refused for a
   * fault not its own (docs/failover.md).
   */
  async #failoverRefusal(outcome: Outcome): Promise<Outcome> {
    const r = outcome.result;
    if (r.kind !== 'refused') return outcome;
    try {
      if (!(await this.failover.retriesRefusal(this.rt, outcome.message, r))) return outcome;
    } catch (err) {
      this.logger.error({ err, message_id: outcome.message.id }, 'could not read the failover order; the refusal stands');
      return outcome;
    }
    return { ...outcome, result: { kind: 'retry', statusCode: r.statusCode, error: r.error, comment: r.comment, fault: 'provider' } };
  }

  /**
   * Takes the retries whose deadline has passed out of those that could go next (the limiter's
   * lookahead) and has them recorded as refused, with no request. Returns how many. Only
   * retries: the deadline bounds how long a failing message is retried, and a message never
   * tried yet goes out however long the queue ahead of it (a big campaign at a low rate limit).
   */
  #refuseExpired(now: number): number {
    let n = 0;
    for (let i = Math.min(LOOKAHEAD, this.#buffer.length) - 1; i >= 0; i--) {
      const message = this.#buffer[i]!;
      if (message.attempts === 0 || message.deadline_at > now) continue;
      this.#buffer.splice(i, 1);
      n++;
      const p = this.writer
        .write({ message, result: { kind: 'expired' }, sentAtUs: nowMicros() })
        .catch((err: unknown) => this.logger.error({ err, message_id: message.id }, 'writing an expired message failed; it is refused after a restart'))
        .finally(() => this.#sends.delete(p));
      this.#sends.add(p);
    }
    return n;
  }

  /** The status webhook, carrying our message id for providers that echo nothing else back. */
  #statusCallbackUrl(messageId: string): string {
    const endpoint = this.rt.adapter.webhookEndpoints.find((e) => e.statusCallback) ?? this.rt.adapter.webhookEndpoints[0];
    const base = endpoint ? this.rt.webhookUrls[endpoint.name] : undefined;
    return base ? `${base}?message_id=${encodeURIComponent(messageId)}` : '';
  }

  async #send(message: MessagesTable): Promise<Outcome> {
    const ctx = { config: this.rt.config, secrets: this.rt.secrets, pool: this.#agent, webhookUrls: this.rt.webhookUrls, timeoutMs: this.rt.sendTimeoutMs };
    // An earlier attempt may have reached the provider: where it can be asked, ask before sending again.
    if (message.unconfirmed_since !== null && this.rt.adapter.findSent) {
      const found = await this.#findSent(ctx, message);
      if (found) return found;
    }
    // Written before the request: after a crash, only what may have left counts as sent.
    await this.commit.run((trx) => messageStore.markRequestStarted(trx, message.id, Date.now()), { oneStatement: true });
    const stored = storedContent(message);
    const sentAtUs = nowMicros();
    const requestStart = performance.now();
    let result: SendResult;
    try {
      result = await this.rt.adapter.send(ctx, {
        messageId: message.id,
        channel: message.channel,
        to: message.recipient,
        from: message.sender,
        body: message.body,
        parts: message.parts,
        media: stored.media_urls,
        content: stored.content,
        statusCallbackUrl: this.#statusCallbackUrl(message.id),
      });
    } catch (err) {
      // An adapter bug must not lose the message; whether its request left is not known.
      this.logger.error({ err, message_id: message.id, integration_id: this.rt.id }, 'provider adapter threw');
      result = { kind: 'unknown', statusCode: null, error: 'adapter_error', comment: err instanceof Error ? err.message : String(err) };
    }
    this.metrics.sendDuration.observe({ integration_id: this.rt.id }, (performance.now() - requestStart) / 1000);
    return { message, result: sanitizeSendResult(result, this.#secrets), sentAtUs };
  }

  /** The provider's answer on an earlier unanswered attempt: an outcome, or null to send again. */
  async #findSent(ctx: SendContext<unknown, unknown>, message: MessagesTable): Promise<Outcome | null> {
    const sentAtUs = nowMicros();
    let found: FindResult;
    try {
      found = await this.rt.adapter.findSent!(ctx, { messageId: message.id, to: message.recipient, sinceMs: message.unconfirmed_since! });
    } catch (err) {
      this.logger.error({ err, message_id: message.id, integration_id: this.rt.id }, 'provider adapter threw looking up a message');
      found = { kind: 'unknown', error: 'adapter_error', comment: err instanceof Error ? err.message : String(err) };
    }
    if (found.kind === 'absent') return null;
    const result: SendAttemptResult =
      found.kind === 'found' ? { kind: 'confirmed', providerMessageId: found.providerMessageId } : { kind: 'unconfirmed', error: found.error, comment: found.comment };
    return { message, result: sanitizeSendResult(result, this.#secrets), sentAtUs };
  }
}

function byDue(a: MessagesTable, b: MessagesTable): number {
  return a.next_attempt_at - b.next_attempt_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

