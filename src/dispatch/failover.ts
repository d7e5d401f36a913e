// Provider failover (docs/failover.md): the circuit breakers of the integrations whose senders run
// in this process, what this process heard of the others', and the moves of messages to the next
// integration of their channel's failover order. The decisions are circuit-breaker.ts's.
import type { Logger } from '../logger.js';
import type { SendAttemptResult } from '../messages/state.js';
import type { Metrics } from '../metrics.js';
import type { IntegrationRegistry, IntegrationRuntime } from '../services/integration-registry.js';
import { failoverOrder, getProject, settingsOf, type ProjectSettings } from '../services/projects.js';
import type { DB } from '../store/db.js';
import type { GroupCommit } from '../store/group-commit.js';
import * as attemptStore from '../store/message-attempts.js';
import * as messageStore from '../store/messages.js';
import type { MessagesTable, SenderProfilesTable } from '../store/schema.js';
import * as senderProfileStore from '../store/sender-profiles.js';
import {
  admission,
  closedBreaker,
  DEFAULT_BREAKER,
  failoverTarget,
  faultOf,
  record,
  startProbe,
  verdictOf,
  type Admission,
  type BreakerOptions,
  type BreakerState,
} from './circuit-breaker.js';

/** How often an open breaker is announced again while it moves messages. */
const REANNOUNCE_MS = 5000;

export class Failover {
  readonly options: BreakerOptions;
  /** Of the integrations whose sender runs here; kept across sender restarts (a config change). */
  readonly #breakers = new Map<string, BreakerState>();
  /** Integrations whose breaker another process said is open. */
  readonly #openElsewhere = new Set<string>();
  /** When each open breaker here was last announced to the other processes. */
  readonly #announced = new Map<string, number>();

  constructor(
    private readonly db: DB,
    private readonly commit: GroupCommit,
    private readonly integrations: IntegrationRegistry,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
    /** Tells the other processes of a breaker that opened or closed here. */
    private readonly publish: (integrationId: string, open: boolean) => void,
    /** Wakes the sender of an integration messages were moved to, wherever it runs. */
    private readonly notify: (integrationId: string) => void,
    options: Partial<BreakerOptions> = {},
  ) {
    this.options = { ...DEFAULT_BREAKER, ...options };
  }

  #breaker(id: string): BreakerState {
    return this.#breakers.get(id) ?? closedBreaker(this.options);
  }

  /** What the integration's sender does with its next message now (circuit-breaker.ts). */
  admission(id: string, now = Date.now()): Admission {
    return admission(this.#breaker(id), now);
  }

  startProbe(id: string): void {
    this.#breakers.set(id, startProbe(this.#breaker(id)));
    this.logger.info({ integration_id: id }, 'circuit breaker half open: one message goes to the integration as a probe');
  }

  /** Whether failover passes the integration over: its breaker is open here or, as last heard, elsewhere. */
  isOpen(id: string): boolean {
    const b = this.#breakers.get(id);
    return b ? b.state !== 'closed' : this.#openElsewhere.has(id);
  }

  /** Another process's breaker opened or closed. */
  heard(id: string, open: boolean): void {
    if (this.#breakers.has(id)) return;
    if (open) this.#openElsewhere.add(id);
    else this.#openElsewhere.delete(id);
  }

  /** This process now runs the integration's sender: its breaker starts closed here, and the others hear so. */
  took(id: string): void {
    this.#openElsewhere.delete(id);
    this.#breakers.delete(id);
    this.publish(id, false);
  }

  /** The integration's sender now runs elsewhere (or the integration is gone): so does its breaker. */
  gave(id: string): void {
    this.#announced.delete(id);
    const b = this.#breakers.get(id);
    if (b && b.state !== 'closed') this.metrics.breakerOpen.set({ integration_id: id }, 0);
    this.#breakers.delete(id);
  }

  /** A send's result, for the integration's breaker. `attempt`: this attempt's number (1 for the first). */
  record(rt: IntegrationRuntime, result: SendAttemptResult, p: { attempt: number; startedAt: number; probe: boolean }): void {
    const before = this.#breaker(rt.id);
    const verdict = verdictOf(result, p.attempt, this.options);
    const now = Date.now();
    const { breaker, change } = record(before, verdict, { startedAt: p.startedAt, probe: p.probe, now }, this.options);
    if (breaker === before) return;
    this.#breakers.set(rt.id, breaker);
    if (!change) return;
    this.metrics.breakerChanges.inc({ integration_id: rt.id, change });
    this.metrics.breakerOpen.set({ integration_id: rt.id }, change === 'closed' ? 0 : 1);
    const why = 'error' in result ? { status_code: 'statusCode' in result ? result.statusCode : null, error: result.error } : {};
    if (change === 'closed') {
      this.logger.info({ integration_id: rt.id, provider: rt.provider }, 'circuit breaker closed: the integration sends again');
    } else {
      const what = change === 'opened' ? `circuit breaker opened after ${breaker.run} provider faults in a row` : 'circuit breaker probe failed; it stays open';
      this.logger.warn({ integration_id: rt.id, provider: rt.provider, ...why, cool_down_ms: breaker.coolDownMs }, `${what}: its messages go to the next integration of their channel while open`);
    }
    if (change !== 'reopened') this.#announce(rt.id, change === 'opened');
  }

  #announce(id: string, open: boolean): void {
    if (open) this.#announced.set(id, Date.now());
    else this.#announced.delete(id);
    this.publish(id, open);
  }

  /**
   * Whether a refusal that says the provider (or our account there) is at fault should rather
   * be retried: when the message's channel has somewhere else to go, so it fails over once the
   * breaker opens instead of being refused for a fault that is not its own.
   */
  async retriesRefusal(rt: IntegrationRuntime, m: MessagesTable, result: SendAttemptResult): Promise<boolean> {
    if (result.kind !== 'refused' || faultOf(result) !== 'provider' || m.unconfirmed_since !== null) return false;
    const order = failoverOrder(settingsOf(await getProject(this.db, m.project_id)), m.channel);
    return order.includes(rt.id) && order.length > 1;
  }

  /**
   * Moves claimed messages of `from` (whose breaker is open) to the next integration of their
   * channel's failover order. Only messages no request of which may have reached a provider are
   * given (see the sender). Returns those that stay: nowhere to go (every other integration open,
   * none configured; a move that failed); what the store would not move (no longer this
   * worker's claim) is dropped. Throws only before anything moved.
   */
  async reroute(from: IntegrationRuntime, messages: MessagesTable[], worker: string): Promise<MessagesTable[]> {
    // Said again now and then while it stays open: a process that started since has not heard it,
    // and could move messages onto this integration, which would move them back.
    if ((this.#announced.get(from.id) ?? 0) < Date.now() - REANNOUNCE_MS) this.#announce(from.id, true);
    const settings = new Map<string, ProjectSettings>();
    const profiles = new Map<string, SenderProfilesTable[]>();
    const groups = new Map<string, { to: string; sender: string | null; senderProfileId: string | null; ids: string[] }>();
    const stay: MessagesTable[] = [];
    for (const m of messages) {
      let s = settings.get(m.project_id);
      if (!s) settings.set(m.project_id, (s = settingsOf(await getProject(this.db, m.project_id))));
      const order: string[] = [];
      for (const id of failoverOrder(s, m.channel)) {
        const rt = id === from.id ? from : await this.integrations.runtime(id);
        if (rt && rt.projectId === m.project_id && rt.adapter.channels.includes(m.channel)) order.push(id);
      }
      const to = failoverTarget(order, from.id, (id) => this.isOpen(id));
      if (!to) {
        stay.push(m);
        continue;
      }
      let ps = profiles.get(m.project_id);
      if (!ps) profiles.set(m.project_id, (ps = await senderProfileStore.list(this.db, m.project_id)));
      const profile = senderFor(ps, m.channel, to);
      const key = `${to}\u0000${profile?.id ?? ''}`;
      const g = groups.get(key) ?? { to, sender: profile?.sender ?? null, senderProfileId: profile?.id ?? null, ids: [] };
      g.ids.push(m.id);
      groups.set(key, g);
    }
    const byId = new Map(messages.map((m) => [m.id, m]));
    for (const g of groups.values()) {
      const now = Date.now();
      let moved: string[];
      try {
        moved = await this.commit.run(async (trx) => {
          const ids = await messageStore.repoint(trx, { ids: g.ids, from: from.id, to: g.to, sender: g.sender, senderProfileId: g.senderProfileId, worker, now });
          await attemptStore.insertMany(trx, ids.map((id) => ({ message_id: id, integration_id: from.id, at: now, outcome: 'rerouted' as const, status_code: null, error: 'circuit_open' })));
          return ids;
        });
      } catch (err) {
        // Rolled back: these are still this sender's, and are sent here. (Per group: what other
        // groups moved is on their new integration and must not be sent from here too.)
        this.logger.error({ err, integration_id: from.id, to_integration_id: g.to }, 'could not move messages to the next integration; they are sent here');
        for (const id of g.ids) stay.push(byId.get(id)!);
        continue;
      }
      if (moved.length === 0) continue;
      this.metrics.reroutes.inc({ integration_id: from.id, to_integration_id: g.to }, moved.length);
      this.logger.warn(
        { integration_id: from.id, to_integration_id: g.to, messages: moved.length, reason: 'circuit_open', sender_profile_id: g.senderProfileId },
        'moved messages to the next integration of their channel: this one\'s circuit breaker is open',
      );
      this.notify(g.to);
    }
    return stay;
  }
}

/**
 * The sender a message takes on the integration it fails over to: a sender (a number, a sender
 * id) belongs to an account, so not the one it had. The channel's default sender profile when it
 * is on that integration, else the first of the integration's profiles for the channel, else
 * none (the integration's own default sender, from its config).
 */
export function senderFor(profiles: readonly SenderProfilesTable[], channel: MessagesTable['channel'], integrationId: string): SenderProfilesTable | null {
  const on = profiles.filter((p) => p.channel === channel && p.integration_id === integrationId && p.deleted_at === null);
  return on.find((p) => p.is_default === 1) ?? on[0] ?? null;
}
