// Wires the store, services and pipeline of one hub process together.
import type { Config } from './config.js';
import { SecretBox } from './core/crypto.js';
import type { Logger } from './logger.js';
import { Dispatcher, type DispatcherOptions } from './dispatch/dispatcher.js';
import { Metrics } from './metrics.js';
import { CallbackProcessor, type ProcessorOptions } from './callbacks/processor.js';
import { PendingCallbacks } from './callbacks/pending.js';
import { Retention, type RetentionOptions } from './callbacks/retention.js';
import { CallbackWriter } from './callbacks/writer.js';
import { ImportWorker, type ImportWorkerOptions } from './imports/worker.js';
import { join } from 'node:path';
import { launchCampaign, unfinishedLaunches, type CampaignSummary } from './services/campaigns.js';
import { CampaignScheduler, type SchedulerOptions } from './services/campaign-scheduler.js';
import { DomainError } from './core/errors.js';
import * as campaignStore from './store/campaigns.js';
import { channelsOfConsent } from './services/consent.js';
import { RecordedEventTally } from './services/events.js';
import { IntegrationRegistry } from './services/integration-registry.js';
import { queueDepths } from './services/messages.js';
import type { MessagingDeps } from './services/messages.js';
import * as callbackStore from './store/callbacks.js';
import { isPostgres, migrate, openDatabase, sqliteConnection, type DB } from './store/db.js';
import { GroupCommit } from './store/group-commit.js';
import { Checkpointer } from './store/wal.js';
import { ThrottledLog } from './util/throttled-log.js';
import { Cluster, type ClusterOptions } from './cluster/cluster.js';
import { randomToken } from './core/crypto.js';
import { Coordinator } from './store/coordination.js';
import { parseDatabaseUrl } from './config.js';

export interface HubOptions {
  dispatcher?: DispatcherOptions;
  processor?: ProcessorOptions;
  retention?: RetentionOptions;
  imports?: ImportWorkerOptions;
  scheduler?: SchedulerOptions;
  cluster?: ClusterOptions;
  /**
   * The coordination session with the other processes on a PostgreSQL store was lost: this
   * process's leases are free for the others, so it must not go on sending. Default: exit.
   */
  coordinationLost?: (err: Error) => void;
}

export class Hub {
  readonly metrics = new Metrics();
  readonly box: SecretBox;
  /** Decrypted runtimes of the live integrations; the dispatcher follows its `changed` events. */
  readonly integrations: IntegrationRegistry;
  readonly dispatcher: Dispatcher;
  readonly processor: CallbackProcessor;
  readonly callbacks: CallbackWriter;
  readonly retention: Retention;
  readonly commit: GroupCommit;
  /** Applies bulk imports of customers in the background. */
  readonly imports: ImportWorker;
  /** Launches scheduled campaigns at their send_at. */
  readonly scheduler: CampaignScheduler;
  /** Warnings anyone can trigger (refused webhooks), throttled per source and reason. */
  readonly refusalLog = new ThrottledLog();
  /** Fan-outs running in this process, by campaign. */
  readonly #fanOuts = new Map<string, Promise<unknown>>();
  /** Runs here holding each campaign's launch lease (see #track). */
  readonly #leaseUsers = new Map<string, number>();
  /** Events committed since the last /metrics scrape. */
  readonly #events: RecordedEventTally;
  #running = false;
  /** The other hub processes on the same PostgreSQL store; null when alone (SQLite). */
  readonly cluster: Cluster | null;

  private constructor(
    readonly config: Config,
    readonly db: DB,
    readonly logger: Logger,
    options: HubOptions,
    private readonly checkpointer: Checkpointer | null,
    coordinator: Coordinator | null,
  ) {
    this.box = new SecretBox(config.secretKey);
    this.integrations = new IntegrationRegistry(db, this.box, config.publicUrl);
    this.commit = new GroupCommit(db, checkpointer ? { checkpoints: checkpointer.state } : {});
    this.dispatcher = new Dispatcher(db, this.commit, this.integrations, logger.child({ component: 'dispatcher' }), this.metrics, {
      ...options.dispatcher,
      allowLoopbackProviderUrls: config.allowLoopbackProviderUrls,
      ...(coordinator ? { workerId: coordinator.workerId } : {}),
    });
    this.callbacks = new CallbackWriter(
      this.commit,
      (row) => this.processor.stored(row),
      undefined,
      new PendingCallbacks({ count: config.storage.callbackPendingMax, bytes: config.storage.callbackPendingMaxBytes }),
      isPostgres(db) ? (rows) => callbackStore.insertManyUnlessStored(db, rows) : null,
    );
    this.processor = new CallbackProcessor(
      db,
      this.commit,
      this.integrations,
      {
        queued: (id) => this.dispatcher.notify(id),
        optedOut: (ref, channel) => void this.dispatcher.dropCustomer(ref, channelsOfConsent(channel)),
        processed: (row) => this.callbacks.processed(row),
      },
      logger.child({ component: 'callbacks' }),
      this.metrics,
      options.processor,
    );
    // Shared: another process on this data directory may be mid-upload (its file comes before its row).
    this.imports = new ImportWorker(db, join(config.dataDir, 'imports'), logger.child({ component: 'imports' }), coordinator ? { orphanMinAgeMs: 3_600_000, ...options.imports } : options.imports);
    this.retention = new Retention(db, config.storage, logger.child({ component: 'retention' }), options.retention);
    this.scheduler = new CampaignScheduler(db, (projectId, id) => this.#scheduledLaunch(projectId, id), logger.child({ component: 'scheduler' }), options.scheduler);
    this.#events = new RecordedEventTally(db);
    this.cluster = coordinator
      ? new Cluster(
          coordinator,
          {
            db,
            dispatcher: this.dispatcher,
            integrations: this.integrations,
            scheduler: this.scheduler,
            imports: this.imports,
            retention: this.retention,
            logger: logger.child({ component: 'cluster' }),
            resumeLaunch: (projectId, id) => this.continueLaunch(projectId, id),
            launchingHere: (id) => this.#fanOuts.has(id) || this.#leaseUsers.has(id),
            resync: () => this.callbacks.resyncPending(db),
          },
          options.cluster,
        )
      : null;
    coordinator?.on('lost', (err) => {
      if (options.coordinationLost) return options.coordinationLost(err);
      logger.fatal({ err }, 'lost the coordination connection to PostgreSQL: its leases are free for the other hub processes, so this one stops now');
      process.exit(70);
    });
    this.metrics.setSources({
      queueDepths: () => queueDepths(db),
      inFlight: () => Object.fromEntries(Object.entries(this.dispatcher.queueDepths()).map(([id, d]) => [id, d.inFlight])),
      callbacksPending: () => this.processor.pending(),
      recordedEvents: () => this.#events.take(),
    });
  }

  static async open(config: Config, logger: Logger, options: HubOptions = {}): Promise<Hub> {
    const db = openDatabase(config.databaseUrl, { poolSize: config.databasePoolSize });
    await migrate(db);
    const sqlite = sqliteConnection(db);
    const checkpointer = sqlite && !sqlite.memory ? await Checkpointer.start(sqlite, logger.child({ component: 'checkpointer' })) : null;
    const coordinator = parseDatabaseUrl(config.databaseUrl).kind === 'postgres' ? await Coordinator.connect(config.databaseUrl, randomToken(6)) : null;
    const hub = new Hub(config, db, logger, options, checkpointer, coordinator);
    await hub.callbacks.remember(db);
    return hub;
  }

  /** What sends and campaign launches need. */
  get messaging(): MessagingDeps {
    return {
      db: this.db,
      integrations: this.integrations,
      queue: this.dispatcher,
      commit: this.commit,
      publicUrl: this.config.publicUrl,
      logger: this.logger,
    };
  }

  get running(): boolean {
    return this.#running;
  }

  /** Starts the background work: dispatch, callback processing, retention, and resuming interrupted launches. */
  async start(): Promise<void> {
    await this.#events.start();
    await this.dispatcher.start();
    this.processor.start();
    if (this.cluster) {
      // Senders, the jobs run for all and interrupted launches go by lease (cluster.ts).
      await this.cluster.start();
      this.#running = true;
      return;
    }
    this.retention.start();
    await this.imports.start();
    this.#running = true;
    for (const c of await unfinishedLaunches(this.db)) {
      this.logger.warn({ campaign_id: c.id }, 'resuming a campaign launch interrupted by the last stop');
      this.continueLaunch(c.project_id, c.id);
    }
    // After the interrupted launches: a campaign due while the hub was down launches now.
    this.scheduler.start();
  }

  /** A campaign launched by hand; the fan-out is tracked (see continueLaunch). */
  launch(projectId: string, id: string): Promise<CampaignSummary> {
    return this.#track(id, () => launchCampaign(this.messaging, projectId, id));
  }

  /**
   * Runs on, in the background, the fan-out of a campaign left `launching` (a crash, a resume).
   * After the campaign's fan-out already running here, if any: a resume that came before that
   * one saw the pause lets it run on, and a second would only repeat its work.
   */
  continueLaunch(projectId: string, id: string): void {
    const running = this.#fanOuts.get(id) ?? Promise.resolve();
    this.#track(id, (leased) =>
      running
        .catch(() => undefined)
        .then(async () => {
          // Leased by another process (its look for unfinished launches came first): it runs it.
          if (!leased) return;
          if ((await campaignStore.stateOf(this.db, id)) === 'launching') await launchCampaign(this.messaging, projectId, id, ['launching']);
        }),
    ).catch((err: unknown) => this.logger.error({ err, campaign_id: id }, 'resuming the campaign launch failed'));
  }

  /**
   * Runs a campaign's fan-out, known to be under way here until it settles. Shared with other
   * processes, under the campaign's launch lease (taken before the fan-out starts, so no other
   * process takes it for an interrupted launch): a lease held elsewhere means it runs there, and
   * a launch by hand then finds the campaign `launching` and refuses; `run` is told (`leased`).
   * Runs of one campaign here share its lease (taking it again is a no-op): the last to end gives
   * it back, or another process could resume the launch while one of them still runs.
   */
  #track<T>(id: string, run: (leased: boolean) => Promise<T>): Promise<T> {
    const lease = this.cluster?.lease;
    const p = lease
      ? lease.take(id).then(async (held) => {
          if (held) this.#leaseUsers.set(id, (this.#leaseUsers.get(id) ?? 0) + 1);
          try {
            return await run(held);
          } finally {
            if (held) {
              const left = this.#leaseUsers.get(id)! - 1;
              if (left > 0) this.#leaseUsers.set(id, left);
              else {
                this.#leaseUsers.delete(id);
                await lease.give(id).catch(() => undefined);
              }
            }
          }
        })
      : run(true);
    this.#fanOuts.set(id, p);
    const forget = () => {
      if (this.#fanOuts.get(id) === p) this.#fanOuts.delete(id);
    };
    p.then(forget, forget);
    return p;
  }

  /**
   * The launch of a campaign the scheduler took. One refused before fanning out (its integration
   * is gone, say) goes back to draft, so it is neither retried forever nor left `launching`.
   */
  async #scheduledLaunch(projectId: string, id: string): Promise<void> {
    try {
      await this.#track(id, () => launchCampaign(this.messaging, projectId, id, ['launching']));
    } catch (err) {
      if (err instanceof DomainError) {
        await campaignStore.transition(this.db, id, ['launching'], { state: 'draft', updated_at: Date.now() });
        this.logger.error({ err, campaign_id: id }, 'a scheduled campaign could not launch at its time: it is a draft again');
        return;
      }
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.cluster?.stop();
    await this.scheduler.stop();
    await this.dispatcher.stop();
    await this.processor.stop();
    await this.retention.stop();
    await this.imports.stop();
    await this.callbacks.close();
    await this.commit.close();
    await this.checkpointer?.stop();
    // Last: the leases go once everything they covered is handed back.
    await this.cluster?.coordinator.close();
    await this.db.destroy();
  }
}
