// Setting up what a scenario needs: hub and sandbox processes, a project, integrations, and a
// connection to the hub's database (SQLite file or PostgreSQL) for measuring (the hub itself is never asked to count).
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import type { SinchSmsSandboxOptions } from '../../src/sandboxes/sinch-sms/server.js';
import { Api } from './api.js';
import { Child, type ProcSample } from './proc.js';
import { createPostgresDatabase, dropPostgresDatabase, openPostgresDb, openSqliteDb, postgresUrl, type BenchDb, type StoreKind } from './store.js';
import { freePort, removeDir, tempDir, waitFor } from './util.js';

export const ADMIN_TOKEN = 'bench-admin-token';

export interface HubInfo {
  url: string;
  pid: number;
  dataDir: string;
  db: string;
}

export interface SandboxInfo {
  url: string;
  controlUrl: string;
  pid: number;
}

export interface RunningHub {
  child: Child<HubInfo>;
  api: Api;
  url: string;
  dataDir: string;
  /** The hub's SQLite file (meaningless on PostgreSQL). */
  dbPath: string;
  store: StoreKind;
  /** The hub's DATABASE_URL on PostgreSQL. */
  databaseUrl?: string;
  /** A connection to the hub's database for measuring; the caller closes it. */
  openDb(): BenchDb;
  stop(): Promise<void>;
}

/**
 * Starts a hub child on a fresh port with its data in `dataDir` (a new temp folder if absent).
 * On PostgreSQL it runs on `database` (made for it and dropped when it stops if absent).
 * BENCH_HUB_NODE_ARGS adds Node flags to it, e.g. `--cpu-prof --cpu-prof-dir=bench/.cpuprofiles`.
 */
export async function startHub(opts: { store?: StoreKind; database?: string; dataDir?: string; env?: Record<string, string>; logFile?: string } = {}): Promise<RunningHub> {
  const store = opts.store ?? 'sqlite';
  const dataDir = opts.dataDir ?? tempDir();
  const database = store === 'postgres' ? (opts.database ?? (await createPostgresDatabase())) : undefined;
  const databaseUrl = database ? postgresUrl(database) : undefined;
  const dropOwnDatabase = async () => {
    if (database && !opts.database) await dropPostgresDatabase(database);
  };
  const port = await freePort();
  const child = await Child.start<HubInfo>(
    'hub',
    'hub-process.ts',
    {
      SWITCHBOARD_DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      SWITCHBOARD_ADMIN_TOKEN: ADMIN_TOKEN,
      LOG_LEVEL: 'warn',
      // The sandboxes the scenarios point integrations at listen on loopback.
      ALLOW_LOOPBACK_PROVIDER_URLS: 'true',
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      ...opts.env,
    },
    (process.env.BENCH_HUB_NODE_ARGS ?? '').split(' ').filter(Boolean),
    60_000,
    opts.logFile,
  ).catch(async (err: unknown) => {
    if (!opts.dataDir) removeDir(dataDir);
    await dropOwnDatabase();
    throw err;
  });
  const api = new Api(child.info.url, ADMIN_TOKEN);
  await waitFor('the hub to be ready', async () => ((await api.call('GET', '/readyz')).status === 200 ? true : undefined), 30_000, 50);
  return {
    child,
    api,
    url: child.info.url,
    dataDir,
    dbPath: child.info.db,
    store,
    ...(databaseUrl ? { databaseUrl } : {}),
    openDb: () => (databaseUrl ? openPostgresDb(databaseUrl) : openSqliteDb(child.info.db)),
    async stop() {
      await api.close();
      const code = await child.stop();
      // A folder or database made here goes with the hub; one given by the caller is the caller's.
      if (!opts.dataDir) removeDir(dataDir);
      await dropOwnDatabase();
      if (code !== 0) throw new Error(`the hub exited with ${code} on SIGTERM:\n${child.tail()}`);
    },
  };
}

/** Several hub processes on one PostgreSQL database (one folder for their keys), as `serve --workers` runs them. */
export interface HubCluster {
  hubs: RunningHub[];
  /** The first hub, where setup calls go. */
  first: RunningHub;
  /** CPU and RSS of all the hubs together (peak: the highest of one process). */
  sample(): ProcSample;
  warnings(): number;
  errors(): number;
  stop(): Promise<void>;
}

/**
 * Starts `n` hubs: the first as startHub does (its database made for it), the others on the same
 * database and data folder. One hub is a cluster of one, on either store.
 */
export async function startHubs(n: number, opts: { store?: StoreKind; env?: Record<string, string> } = {}): Promise<HubCluster> {
  const first = await startHub(opts);
  const hubs = [first];
  try {
    for (let i = 1; i < n; i++) {
      if (!first.databaseUrl) throw new Error('several hubs need PostgreSQL');
      hubs.push(await startHub({ ...opts, database: new URL(first.databaseUrl).pathname.slice(1), dataDir: first.dataDir }));
    }
  } catch (err) {
    for (const h of hubs.reverse()) await h.stop().catch(() => h.child.kill());
    throw err;
  }
  return {
    hubs,
    first,
    sample() {
      const all = hubs.map((h) => h.child.sample());
      return { cpuS: all.reduce((a, x) => a + x.cpuS, 0), rssMb: all.reduce((a, x) => a + x.rssMb, 0), peakRssMb: Math.max(...all.map((x) => x.peakRssMb)) };
    },
    warnings: () => hubs.reduce((a, h) => a + h.child.warnings, 0),
    errors: () => hubs.reduce((a, h) => a + h.child.errors, 0),
    async stop() {
      // The first hub made the database and folder, so it goes last.
      const errors: unknown[] = [];
      for (const h of [...hubs].reverse()) await h.stop().catch((err: unknown) => (h.child.kill(), errors.push(err)));
      if (errors.length) throw errors[0];
    },
  };
}

/**
 * The values of settled start-ups, or, if any failed, stops the ones that started and throws the
 * first error (so a failed start never leaves processes behind).
 */
export async function settledOrThrow<T extends readonly PromiseSettledResult<unknown>[]>(results: T): Promise<{ [K in keyof T]: T[K] extends PromiseSettledResult<infer V> ? V : never }> {
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    for (const r of results) {
      if (r.status !== 'fulfilled') continue;
      const v = r.value as { stop?: () => Promise<unknown> };
      await v.stop?.().catch(() => {});
    }
    throw failed.reason;
  }
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as never;
}

export async function startSandbox(options: Partial<SinchSmsSandboxOptions> = {}): Promise<Child<SandboxInfo>> {
  const port = await freePort();
  return Child.start<SandboxInfo>('sandbox', 'sandbox-process.ts', { SANDBOX_PORT: String(port), SANDBOX_OPTIONS: JSON.stringify(options) });
}

export async function startBare(): Promise<Child<{ url: string; pid: number }>> {
  const port = await freePort();
  return Child.start('bare', 'bare-process.ts', { PORT: String(port) });
}

/**
 * The PostgreSQL floor of webhook ingest (pg-insert-process.ts) on a database of its own;
 * `drop` removes that database once the process is stopped.
 */
export async function startPgInsert(): Promise<{ child: Child<{ url: string; pid: number }>; drop(): Promise<void> }> {
  const port = await freePort();
  const database = await createPostgresDatabase();
  const drop = () => dropPostgresDatabase(database);
  const child = await Child.start<{ url: string; pid: number }>('pg-insert', 'pg-insert-process.ts', { PORT: String(port), DATABASE_URL: postgresUrl(database) }).catch(async (err: unknown) => {
    await drop();
    throw err;
  });
  return { child, drop };
}

/** The durable floor (durable-process.ts), appending to a file in a temp folder on the local disk. */
export async function startDurable(): Promise<Child<{ url: string; pid: number }>> {
  const port = await freePort();
  const dir = tempDir('switchboard-durable-');
  return Child.start('durable', 'durable-process.ts', { PORT: String(port), DURABLE_FILE: join(dir, 'floor.log') });
}

export async function createProject(api: Api, name = 'Bench'): Promise<string> {
  const p = await api.must<{ id: string }>('POST', '/api/v1/projects', { name }, [201]);
  return p.id;
}

export interface IntegrationView {
  id: string;
  webhook_urls: Record<string, string>;
}

export async function createSinchIntegration(
  api: Api,
  projectId: string,
  o: { sandboxUrl: string; plan?: string; token?: string; rateLimit: number | null; maxConcurrency?: number; name?: string; makeDefault?: boolean },
): Promise<IntegrationView> {
  const integration = await api.must<IntegrationView>(
    'POST',
    `/api/v1/projects/${projectId}/integrations`,
    {
      provider: 'sinch_sms',
      name: o.name ?? 'Sinch (sandbox)',
      config: { service_plan_id: o.plan ?? 'bench', region: 'us', base_url: o.sandboxUrl },
      secrets: { api_token: o.token ?? 'bench-token' },
      rate_limit: o.rateLimit,
      ...(o.maxConcurrency ? { max_concurrency: o.maxConcurrency } : {}),
    },
    [201],
  );
  if (o.makeDefault ?? true) {
    await api.must('PUT', `/api/v1/projects/${projectId}/settings`, { default_sms_integration_id: integration.id }, [200]);
  }
  return integration;
}

export async function setRateLimit(api: Api, projectId: string, integrationId: string, rateLimit: number | null): Promise<void> {
  await api.must('PATCH', `/api/v1/projects/${projectId}/integrations/${integrationId}`, { rate_limit: rateLimit }, [200]);
}

/** The hub's SQLite file, read-only and synchronous, for the torture runs' ledgers. */
export function openReadOnly(path: string): SQLite.Database {
  const db = new SQLite(path, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  return db;
}
