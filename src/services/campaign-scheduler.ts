// Launches scheduled campaigns when their send_at comes. The schedule lives in the store, so a
// hub that was down at send_at launches the campaign as soon as it starts. A campaign is taken by
// moving it from `scheduled` to `launching` in one conditional update: a launch by hand at the
// same moment, or a second hub on the same store, cannot launch it twice; a crash after that
// update leaves it `launching`, which the hub resumes at start like any interrupted launch.
import type { Logger } from '../logger.js';
import * as campaignStore from '../store/campaigns.js';
import type { DB } from '../store/db.js';
import { Signal } from '../util/signal.js';

export interface SchedulerOptions {
  /** How often the schedule is looked at, at most (ms); default 1000. */
  pollMs?: number;
}

/** The lease on a campaign's fan-out that processes sharing a store hold while it runs. */
export interface LaunchLease {
  take(campaignId: string): Promise<boolean>;
  give(campaignId: string): Promise<void>;
}

export class CampaignScheduler {
  readonly #wake = new Signal();
  #running = false;
  #loop: Promise<void> | null = null;
  /** Tells the other processes on the store (only one of them runs the scheduler). */
  #tell: (() => void) | null = null;
  /** Takes (and gives back) a campaign's launch lease before moving it to `launching`, when shared. */
  #lease: LaunchLease | null = null;

  constructor(
    private readonly db: DB,
    /** Runs the fan-out of a campaign the scheduler moved to `launching`. */
    private readonly launch: (projectId: string, campaignId: string) => Promise<unknown>,
    private readonly logger: Logger,
    private readonly options: SchedulerOptions = {},
  ) {}

  start(): void {
    this.#running = true;
    this.#loop = this.#run();
  }

  /** A campaign was scheduled: look again now rather than at the next poll (wherever the scheduler runs). */
  notify(): void {
    this.#wake.notify();
    this.#tell?.();
  }

  /** Another process scheduled a campaign. */
  wake(): void {
    this.#wake.notify();
  }

  /** Shares the store with other processes: `tell` reaches them, `lease` guards each launch. */
  share(tell: () => void, lease: LaunchLease): void {
    this.#tell = tell;
    this.#lease = lease;
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#wake.notify();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const poll = this.options.pollMs ?? 1000;
    while (this.#running) {
      let waitMs = poll;
      try {
        await this.tick(Date.now());
        const next = await campaignStore.nextScheduledAt(this.db);
        if (next !== null) waitMs = Math.max(0, Math.min(poll, next - Date.now()));
      } catch (err) {
        this.logger.error({ err }, 'looking for due scheduled campaigns failed');
      }
      if (this.#running) await this.#wake.wait(waitMs);
    }
  }

  /** Takes every campaign due at `now` and starts its launch, which runs on in the background. Returns how many it took. */
  async tick(now: number): Promise<number> {
    const due = await campaignStore.listDueScheduled(this.db, now, 100);
    let taken = 0;
    for (const c of due) {
      // Leased first, so no other process resumes it as an interrupted launch meanwhile.
      if (this.#lease && !(await this.#lease.take(c.id))) continue;
      // Still due: an edit since the look-up may have moved send_at later.
      if (!(await campaignStore.transition(this.db, c.id, ['scheduled'], { state: 'launching', updated_at: Date.now() }, { dueBy: now }))) {
        await this.#lease?.give(c.id);
        continue;
      }
      taken++;
      this.logger.info({ campaign_id: c.id, project_id: c.project_id }, 'launching a scheduled campaign');
      this.launch(c.project_id, c.id).catch((err: unknown) => this.logger.error({ err, campaign_id: c.id }, 'launching a scheduled campaign failed'));
    }
    return taken;
  }
}
