// The dispatcher: one sender per integration, each with its own queue (rows of `messages`), its
// own rate limiter and its own connection pool, so a slow or throttled provider account never
// holds up another. Send outcomes are written in batches (one transaction for many results).
import { randomToken } from '../core/crypto.js';
import type { Channel } from '../core/status.js';
import type { Logger } from '../logger.js';
import { DEFAULT_BACKOFF, type BackoffPolicy } from '../messages/backoff.js';
import { requeueInterrupted } from '../messages/state.js';
import type { Metrics } from '../metrics.js';
import { channelsOfConsent } from '../services/consent.js';
import type { IntegrationRegistry } from '../services/integration-registry.js';
import type { Handoff, QueueSignal } from '../services/messages.js';
import type { DB } from '../store/db.js';
import type { GroupCommit } from '../store/group-commit.js';
import * as campaignStore from '../store/campaigns.js';
import * as messageStore from '../store/messages.js';
import type { MessagesTable } from '../store/schema.js';
import type { BreakerOptions } from './circuit-breaker.js';
import { Failover } from './failover.js';
import { OutcomeWriter } from './outcome-writer.js';
import { SlidingWindowLimiter } from './rate-limiter.js';
import { RecentOptOuts } from './recent-opt-outs.js';
import { IntegrationSender } from './sender.js';
import type { News } from '../cluster/news.js';
export interface DispatcherOptions {
  backoff?: BackoffPolicy;
  /** How often an idle sender looks for due retries it wasn't told about. */
  pollMs?: number;
  /** The rate limiter's window (default one second). */
  rateWindowMs?: number;
  /** Provider connections may go to loopback (the hub sets it from ALLOW_LOOPBACK_PROVIDER_URLS). */
  allowLoopbackProviderUrls?: boolean;
  /** This process's name among the hub processes (default: a random one). */
  workerId?: string;
  /** The circuit breakers of provider failover (docs/failover.md); defaults in circuit-breaker.ts. */
  failover?: Partial<BreakerOptions>;
}

/** The other hub processes on the same store (PostgreSQL), as the dispatcher sees them. */
export interface Peers {
  /** Tells every other process. */
  publish(news: News): void;
}

export class Dispatcher implements QueueSignal {
  /** This process's name on the claims it makes. */
  readonly workerId: string;
  readonly #senders = new Map<string, IntegrationSender>();
  readonly #limiters = new Map<string, SlidingWindowLimiter>();
  readonly #refreshing = new Map<string, Promise<void>>();
  #started = false;
  readonly #writer: OutcomeWriter;
  readonly #failover: Failover;
  readonly #optOuts = new RecentOptOuts();
  /** Campaigns paused or cancelled by this process: their messages are not sent from here. */
  readonly #heldCampaigns = new Map<string, 'paused' | 'cancelled'>();
  readonly #onChanged = (id: string) => void this.#refresh(id);
  /**
   * Shared with other processes: the integrations whose sender lease this process holds (only
   * those get a sender here). Null when alone on the store: every integration.
   */
  #owned: Set<string> | null = null;
  #peers: Peers | null = null;
  /** Wakes for senders elsewhere not yet published: one notification per integration per turn. */
  readonly #wakes = new Set<string>();

  constructor(
    private readonly db: DB,
    private readonly commit: GroupCommit,
    private readonly integrations: IntegrationRegistry,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
    private readonly options: DispatcherOptions = {},
  ) {
    this.workerId = options.workerId ?? randomToken(6);
    this.#writer = new OutcomeWriter(commit, logger, metrics, options.backoff ?? DEFAULT_BACKOFF, (ref, channel) => void this.dropCustomer(ref, channelsOfConsent(channel)));
    this.#failover = new Failover(
      db,
      commit,
      integrations,
      logger,
      metrics,
      (integrationId, open) => this.#peers?.publish({ kind: 'breaker', integrationId, open }),
      (integrationId) => this.notify(integrationId),
      options.failover,
    );
  }

  /**
   * Shares the store with other processes: senders run only for the integrations `acquire`d, and
   * news goes to the peers. Called before start().
   */
  share(peers: Peers): void {
    this.#owned = new Set();
    this.#peers = peers;
  }

  /** The integrations whose senders run here (every active one when alone). */
  get owned(): ReadonlySet<string> | null {
    return this.#owned;
  }

  async start(): Promise<void> {
    this.#started = true;
    this.integrations.on('changed', this.#onChanged);
    // Shared: what a dead process had claimed is recovered integration by integration, when a
    // sender's lease is taken over (acquire).
    if (this.#owned) return;
    await this.#recover();
    for (const id of await this.integrations.activeIds()) await this.#refresh(id);
  }

  /** Puts back what a dead process had claimed (of one integration, when shared). */
  async #recover(integrationId?: string): Promise<void> {
    // Claimed for a campaign cancelled before the claim could be dropped: cancelled, not requeued.
    const ofCancelled = await messageStore.claimedOfCancelledCampaigns(this.db, integrationId);
    for (const m of ofCancelled) this.#heldCampaigns.set(m.campaign_id!, 'cancelled');
    await this.#settleHeld(ofCancelled, null);
    // Whatever a previous process had claimed was in flight when it died: send it again, and
    // mark it, since the provider may already have it.
    const recovered = await requeueInterrupted(this.db, Date.now(), integrationId);
    if (recovered > 0) this.logger.warn({ messages: recovered, integration_id: integrationId }, 'requeued messages that were in flight at the last stop; they may be duplicated');
  }

  /**
   * This process now holds the integration's sender lease: recover what its last holder left
   * claimed, then run its sender. Under a rate limit the new sender first waits one window: the
   * last holder's sends of the window before are not known here.
   */
  async acquire(id: string): Promise<void> {
    if (!this.#owned || this.#owned.has(id)) return;
    await this.#recover(id);
    const rt = await this.integrations.runtime(id);
    if (rt?.rateLimit) {
      const limiter = new SlidingWindowLimiter(rt.rateLimit, this.options.rateWindowMs ?? 1000);
      limiter.occupyWindow(Date.now());
      this.#limiters.set(id, limiter);
    }
    this.#owned.add(id);
    this.#failover.took(id);
    this.logger.info({ integration_id: id }, 'this hub process now runs the integration\'s sender');
    await this.#refresh(id);
  }

  /**
   * Gives the integration's sender up: it stops, waits for its sends under way and hands back
   * what it claimed but did not send. Resolves once the lease may be released.
   */
  async relinquish(id: string): Promise<void> {
    if (!this.#owned?.delete(id)) return;
    this.logger.info({ integration_id: id }, 'handing the integration\'s sender over to another hub process');
    await this.#refresh(id);
    this.#limiters.delete(id);
    this.#failover.gave(id);
  }

  notify(integrationId: string): void {
    const w = this.#senders.get(integrationId);
    if (w) w.wake();
    else if (this.#peers) this.#wakeElsewhere(integrationId);
    else if (this.#started && !this.#refreshing.has(integrationId)) void this.#refresh(integrationId);
  }

  /** The integration's sender runs in another process: tell it, once per turn of the event loop. */
  #wakeElsewhere(integrationId: string): void {
    if (this.#wakes.has(integrationId)) return;
    this.#wakes.add(integrationId);
    if (this.#wakes.size === 1) {
      setImmediate(() => {
        for (const id of this.#wakes) this.#peers?.publish({ kind: 'wake', integrationId: id });
        this.#wakes.clear();
      });
    }
  }

  /** News from another process. */
  async heard(news: News): Promise<void> {
    switch (news.kind) {
      case 'wake':
        this.#senders.get(news.integrationId)?.wake();
        return;
      case 'opt_out':
        await this.#dropCustomerHere(news.customerRef, news.channels);
        return;
      case 'hold':
        await this.#holdHere(news.campaignId, news.how);
        return;
      case 'release':
        this.#heldCampaigns.delete(news.campaignId);
        return;
      case 'breaker':
        this.#failover.heard(news.integrationId, news.open);
        return;
      default:
        return;
    }
  }

  handoff(integrationId: string): Handoff | null {
    return this.#senders.get(integrationId)?.reserve() ?? null;
  }

  /**
   * A customer opted out: drop what senders have claimed for them but not sent yet. (What was
   * still queued was cancelled with the opt-out itself.) A claim or handoff committed before
   * the opt-out may reach its sender only after this ran: senders screen what they take in
   * against the recent opt-outs too.
   */
  async dropCustomer(customerRef: string, channels: readonly Channel[]): Promise<void> {
    this.#peers?.publish({ kind: 'opt_out', customerRef, channels: [...channels] });
    await this.#dropCustomerHere(customerRef, channels);
  }

  async #dropCustomerHere(customerRef: string, channels: readonly Channel[]): Promise<void> {
    const at = Date.now();
    for (const channel of channels) this.#optOuts.add(customerRef, channel, at);
    await this.#cancelOptedOut([...this.#senders.values()].flatMap((w) => w.drop((m) => this.#optOuts.covers(m))));
  }

  /**
   * The campaign was paused or cancelled: take back what senders claimed of it and have not sent
   * (a send under way is not stopped), and screen out what a claim or handoff brings in later.
   */
  async holdCampaign(campaignId: string, how: 'paused' | 'cancelled'): Promise<number> {
    this.#peers?.publish({ kind: 'hold', campaignId, how });
    return this.#holdHere(campaignId, how);
  }

  #holdHere(campaignId: string, how: 'paused' | 'cancelled'): Promise<number> {
    this.#heldCampaigns.set(campaignId, how);
    return this.#settleHeld([...this.#senders.values()].flatMap((w) => w.drop((m) => this.#isHeld(m))));
  }

  /**
   * Whether a message must not go out from here: its campaign is paused, or cancelled and the
   * message cannot have reached a provider (no attempt whose outcome is unknown).
   */
  #isHeld(m: MessagesTable): boolean {
    const how = m.campaign_id === null ? undefined : this.#heldCampaigns.get(m.campaign_id);
    return how === 'paused' || (how === 'cancelled' && m.unconfirmed_since === null);
  }

  releaseCampaign(campaignId: string): void {
    this.#peers?.publish({ kind: 'release', campaignId });
    this.#heldCampaigns.delete(campaignId);
  }

  /**
   * Parks or cancels messages of held campaigns taken from senders, counting the cancelled ones
   * on their campaign; returns how many were cancelled.
   */
  async #settleHeld(dropped: MessagesTable[], by: string | null = this.workerId): Promise<number> {
    const paused: string[] = [];
    const cancelled = new Map<string, string[]>();
    for (const m of dropped) {
      const campaignId = m.campaign_id!;
      if (this.#heldCampaigns.get(campaignId) !== 'cancelled') paused.push(m.id);
      else cancelled.set(campaignId, [...(cancelled.get(campaignId) ?? []), m.id]);
    }
    // Paused, or queued if the campaign was resumed meanwhile: decided by the store, in one statement.
    await messageStore.releaseClaims(this.db, paused, by ?? undefined);
    let total = 0;
    for (const [campaignId, ids] of cancelled) {
      const n = await messageStore.cancelClaimed(this.db, ids, 'campaign_cancelled', Date.now(), by ?? undefined);
      if (n > 0) await campaignStore.addCancelled(this.db, campaignId, n);
      total += n;
    }
    return total;
  }

  /** The messages among `rows` that may still go out; the others are cancelled (or parked). */
  readonly #screen = (rows: MessagesTable[]): MessagesTable[] => {
    if (this.#optOuts.size === 0 && this.#heldCampaigns.size === 0) return rows;
    const kept: MessagesTable[] = [];
    const dropped: MessagesTable[] = [];
    const held: MessagesTable[] = [];
    for (const m of rows) {
      if (this.#heldCampaigns.size > 0 && this.#isHeld(m)) held.push(m);
      else (this.#optOuts.covers(m) ? dropped : kept).push(m);
    }
    if (dropped.length) this.#cancelOptedOut(dropped).catch((err: unknown) => this.logger.error({ err }, 'cancelling messages of an opted-out customer failed'));
    if (held.length) this.#settleHeld(held).catch((err: unknown) => this.logger.error({ err }, 'handing back messages of a paused or cancelled campaign failed'));
    return kept;
  };

  async #cancelOptedOut(dropped: MessagesTable[]): Promise<void> {
    if (dropped.length === 0) return;
    await messageStore.cancelClaimed(this.db, dropped.map((m) => m.id), 'opted_out', Date.now(), this.workerId);
  }

  queueDepths(): Record<string, { buffered: number; inFlight: number }> {
    return Object.fromEntries([...this.#senders].map(([id, w]) => [id, { buffered: w.buffered, inFlight: w.inFlight }]));
  }

  /** Refreshes are chained per integration, so racing notifications never make two senders. */
  #refresh(id: string): Promise<void> {
    const next = (this.#refreshing.get(id) ?? Promise.resolve()).then(() => this.#replaceWorker(id));
    const settled = next.catch((err: unknown) => this.logger.error({ err, integration_id: id }, 'could not start the integration sender'));
    this.#refreshing.set(id, settled);
    void settled.finally(() => {
      if (this.#refreshing.get(id) === settled) this.#refreshing.delete(id);
    });
    return settled;
  }

  async #replaceWorker(id: string): Promise<void> {
    if (!this.#started) return;
    const rt = await this.integrations.runtime(id);
    const existing = this.#senders.get(id);
    if (existing) {
      this.#senders.delete(id);
      await existing.stop();
    }
    if (!rt || !this.#started || (this.#owned && !this.#owned.has(id))) {
      if (!rt || !this.#started) this.#limiters.delete(id);
      if (!rt) this.#failover.gave(id);
      // Deleted: what its sender handed back (claimed, or waiting to retry) goes nowhere now.
      if (!rt) await messageStore.cancelQueuedOfIntegration(this.db, id, 'integration_deleted', Date.now());
      return;
    }
    // The limiter outlives senders: a config change must not reset the window and allow a burst.
    // A new rate limit keeps the window too: what the old limit let through still counts.
    let limiter = this.#limiters.get(id) ?? null;
    if (!rt.rateLimit) limiter = null;
    else if (!limiter) limiter = new SlidingWindowLimiter(rt.rateLimit, this.options.rateWindowMs ?? 1000);
    else if (limiter.limit !== rt.rateLimit) limiter = limiter.withLimit(rt.rateLimit);
    if (limiter) this.#limiters.set(id, limiter);
    else this.#limiters.delete(id);
    const w = new IntegrationSender(rt, limiter, this.db, this.commit, this.#writer, this.#screen, this.workerId, this.logger, this.metrics, this.options, this.#failover);
    this.#senders.set(id, w);
    w.start();
  }

  async stop(): Promise<void> {
    this.#started = false;
    this.integrations.off('changed', this.#onChanged);
    await Promise.all([...this.#senders.values()].map((w) => w.stop()));
    this.#senders.clear();
    await this.#writer.drain();
  }
}

