// One hub process among several on a PostgreSQL store. Every second it looks at who is alive
// and spreads the integrations' senders evenly: each process holds at most
// ceil(integrations / live processes) sender leases, gives up what is over its share (when a
// process joins) and takes free ones up to its share (when one left or died). The jobs one
// process runs for all (the scheduler, retention, imports) go to whoever holds their lease, and a
// campaign launch left `launching` by a dead process is resumed by whoever leases it first.
// Leases are session locks of the coordination connection (store/coordination.ts): they die with
// the process, and a lost connection ends the process (its leases are already someone else's).
import type { Dispatcher } from '../dispatch/dispatcher.js';
import type { ImportWorker } from '../imports/worker.js';
import type { Logger } from '../logger.js';
import type { Retention } from '../callbacks/retention.js';
import type { CampaignScheduler, LaunchLease } from '../services/campaign-scheduler.js';
import type { IntegrationRegistry } from '../services/integration-registry.js';
import { unfinishedLaunches } from '../services/campaigns.js';
import * as campaignStore from '../store/campaigns.js';
import { LockSpace, type Coordinator } from '../store/coordination.js';
import type { DB } from '../store/db.js';
import { Signal } from '../util/signal.js';
import { decodeNews, encodeNews, type News } from './news.js';

export interface ClusterParts {
  db: DB;
  dispatcher: Dispatcher;
  integrations: IntegrationRegistry;
  scheduler: CampaignScheduler;
  imports: ImportWorker;
  retention: Retention;
  logger: Logger;
  /** Runs on the fan-out of a campaign left `launching`, whose lease this process took. */
  resumeLaunch(projectId: string, campaignId: string): void;
  /** Whether a fan-out of the campaign runs in this process. */
  launchingHere(campaignId: string): boolean;
  /** Takes afresh from the store what this process counts of the others' work (pending callbacks). */
  resync(): Promise<void>;
}

export interface ClusterOptions {
  /** How often the leases are looked at (ms); default 1000. */
  balanceMs?: number;
}

/** The most sender leases one process holds: an even share of the integrations among the live processes. */
export function senderShare(integrations: number, liveProcesses: number): number {
  return Math.ceil(integrations / Math.max(1, liveProcesses));
}

type Role = 'scheduler' | 'retention' | 'imports';
const ROLES: readonly Role[] = ['scheduler', 'retention', 'imports'];

export class Cluster {
  readonly #wake = new Signal();
  #running = false;
  #loop: Promise<void> | null = null;
  readonly #roles = new Set<Role>();
  readonly lease: LaunchLease;
  #ticks = 0;

  constructor(
    readonly coordinator: Coordinator,
    private readonly parts: ClusterParts,
    private readonly options: ClusterOptions = {},
  ) {
    this.lease = {
      take: (id) => coordinator.tryLock(LockSpace.launch, id),
      give: (id) => coordinator.unlock(LockSpace.launch, id),
    };
    coordinator.on('message', (payload) => this.#heard(payload));
    // Wired at once, before any part starts: the dispatcher must know from its start that the
    // store is shared (it recovers integration by integration then, never everything at once).
    const { dispatcher, integrations, scheduler, imports } = parts;
    dispatcher.share({ publish: (news) => this.publish(news) });
    integrations.share((integrationId) => this.publish({ kind: 'integration', integrationId }));
    scheduler.share(() => this.publish({ kind: 'scheduled' }), this.lease);
    imports.share(() => this.publish({ kind: 'import' }));
  }

  /** The jobs this process runs for all. */
  get roles(): ReadonlySet<string> {
    return this.#roles;
  }

  get workerId(): string {
    return this.coordinator.workerId;
  }

  /** Tells the other processes (errors are logged: a lost session ends the process anyway). */
  publish(news: News): void {
    if (this.coordinator.lost) return;
    this.coordinator.publish(encodeNews(this.workerId, news)).catch((err: unknown) => this.parts.logger.warn({ err, news: news.kind }, 'could not tell the other hub processes'));
  }

  /** Takes a first share of the work, then keeps balancing. */
  async start(): Promise<void> {
    this.#running = true;
    await this.#tick();
    this.#loop = this.#run();
  }

  /** Stops taking leases. What the parts hold is given back as they stop; close() ends the session. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#wake.notify();
    await this.#loop;
  }

  async close(): Promise<void> {
    await this.stop();
    await this.coordinator.close();
  }

  #heard(payload: string): void {
    const got = decodeNews(payload);
    if (!got || got.from === this.workerId) return;
    const { news } = got;
    switch (news.kind) {
      case 'integration':
        this.parts.integrations.changedElsewhere(news.integrationId);
        return;
      case 'scheduled':
        this.parts.scheduler.wake();
        return;
      case 'import':
        this.parts.imports.wake();
        return;
      default:
        this.parts.dispatcher.heard(news).catch((err: unknown) => this.parts.logger.error({ err, news: news.kind }, 'acting on news from another hub process failed'));
    }
  }

  async #run(): Promise<void> {
    while (this.#running) {
      await this.#wake.wait(this.options.balanceMs ?? 1000);
      if (!this.#running || this.coordinator.lost) break;
      try {
        await this.#tick();
      } catch (err) {
        if (!this.coordinator.lost) this.parts.logger.error({ err }, 'balancing the work between hub processes failed; will retry');
      }
    }
  }

  async #tick(): Promise<void> {
    await this.#balanceSenders();
    await this.#takeRoles();
    await this.#resumeLaunches();
    if (this.#ticks++ % 5 === 4) await this.parts.resync();
  }

  async #balanceSenders(): Promise<void> {
    const { dispatcher, integrations } = this.parts;
    const active = await integrations.activeIds();
    const live = await this.coordinator.liveWorkers();
    const share = senderShare(active.length, live);
    const owned = [...(dispatcher.owned ?? [])];
    const activeSet = new Set(active);
    // Deleted ones first, then whatever is over the share.
    const giveUp = owned.filter((id) => !activeSet.has(id));
    const kept = owned.filter((id) => activeSet.has(id));
    giveUp.push(...kept.slice(share));
    for (const id of giveUp) {
      if (!this.#running) return;
      await dispatcher.relinquish(id);
      await this.coordinator.unlock(LockSpace.sender, id);
    }
    let holding = Math.min(kept.length, share);
    if (holding >= share) return;
    // In a random order, so processes starting together don't all try the same ones first.
    const free = shuffle(active.filter((id) => !dispatcher.owned?.has(id)));
    for (const id of free) {
      if (!this.#running || holding >= share) return;
      if (!(await this.coordinator.tryLock(LockSpace.sender, id))) continue;
      holding++;
      try {
        await dispatcher.acquire(id);
      } catch (err) {
        await this.coordinator.unlock(LockSpace.sender, id);
        throw err;
      }
    }
  }

  async #takeRoles(): Promise<void> {
    for (const role of ROLES) {
      if (!this.#running) return;
      if (this.#roles.has(role) || !(await this.coordinator.tryLock(LockSpace.role, role))) continue;
      this.#roles.add(role);
      this.parts.logger.info({ role }, 'this hub process now runs the job for all');
      if (role === 'scheduler') this.parts.scheduler.start();
      else if (role === 'retention') this.parts.retention.start();
      else await this.parts.imports.start();
    }
  }

  /** Launches left `launching` by a process that is gone: nobody holds their lease. */
  async #resumeLaunches(): Promise<void> {
    for (const c of await unfinishedLaunches(this.parts.db)) {
      if (!this.#running) return;
      if (this.parts.launchingHere(c.id)) continue;
      if (!(await this.lease.take(c.id))) continue;
      // Finished by its holder between the look and the lease: nothing to resume.
      if ((await campaignStore.stateOf(this.parts.db, c.id)) !== 'launching') {
        await this.lease.give(c.id);
        continue;
      }
      this.parts.logger.warn({ campaign_id: c.id }, 'resuming a campaign launch another hub process left unfinished');
      this.parts.resumeLaunch(c.project_id, c.id);
    }
  }
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
