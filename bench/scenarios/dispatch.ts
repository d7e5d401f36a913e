// Dispatch: how fast the hub moves a backlog from `queued` to `enqueued` against the Sinch SMS
// sandbox with no rate limit, against raw undici requests of the same batch body to the same
// sandbox endpoint at the same concurrency (the integration's max_concurrency).
//
// The backlog is a campaign launched while the integration is held back by a tiny rate limit
// (0.001 parts/s, which lets about one message a second through); lifting the limit (PATCH
// rate_limit null) starts the clock, and the last `enqueued` event stops it. Recipients end in
// 0007: the sandbox accepts them and sends no delivery reports, so the hub only dispatches.
// On PostgreSQL a second baseline is a raw claim-and-send loop through pg: the same concurrency
// of loops, each claiming one queued row (`FOR UPDATE SKIP LOCKED`), sending it with undici and
// writing its outcome, over a pg Pool of the hub's default size.
import pg from 'pg';
import { Pool } from 'undici';
import type { Api } from '../lib/api.js';
import { phone } from '../lib/phones.js';
import { cpuPercent, type Child } from '../lib/proc.js';
import type { BenchOptions, ScenarioResult } from '../lib/types.js';
import { median, pmap, randomBase32, round, waitFor } from '../lib/util.js';
import { createPostgresDatabase, dropPostgresDatabase, postgresUrl, type BenchDb } from '../lib/store.js';
import { createProject, createSinchIntegration, setRateLimit, settledOrThrow, startHubs, startSandbox, type HubCluster, type SandboxInfo } from '../lib/world.js';

const CONCURRENCY = 64;
/** pg's default pool size, which the hub keeps unless configured otherwise. */
const PG_POOL = 10;
const HOLD = 0.001;
const BODY = 'Your order has shipped. Track it in the app.';

/** Creates `count` customers through the API; returns their ids and the rate (customers/s). */
export async function createCustomers(api: Api, projectId: string, count: number, prefix: string, concurrency = 32): Promise<{ ids: string[]; rate: number }> {
  const ids = Array.from({ length: count }, (_, i) => `${prefix}${i}`);
  const t0 = Date.now();
  await pmap(ids, concurrency, (id, i) => api.must('POST', `/api/v1/projects/${projectId}/customers`, { customer_id: id, phone: phone(i) }, [201, 200]));
  return { ids, rate: count / ((Date.now() - t0) / 1000) };
}

async function rawUndici(sandbox: SandboxInfo, count: number, callbackUrl: string): Promise<{ rate: number; failed: number }> {
  const pool = new Pool(sandbox.url, { connections: CONCURRENCY, pipelining: 1, keepAliveTimeout: 30_000 });
  let next = 0;
  let failed = 0;
  const t0 = Date.now();
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const res = await pool.request({
        method: 'POST',
        path: '/xms/v1/bench/batches',
        headers: { authorization: 'Bearer bench-token', 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ to: [phone(i)], body: BODY, delivery_report: 'per_recipient', callback_url: callbackUrl, client_reference: `msg_${randomBase32(26).toLowerCase()}` }),
      });
      await res.body.text();
      if (res.statusCode !== 201) failed++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const rate = count / ((Date.now() - t0) / 1000);
  await pool.close();
  return { rate, failed };
}

/** The raw claim-and-send loop on a database of its own: `count` queued rows, CONCURRENCY loops. */
async function rawPgClaimLoop(sandbox: SandboxInfo, count: number, callbackUrl: string): Promise<{ rate: number; failed: number }> {
  const database = await createPostgresDatabase();
  const db = new pg.Pool({ connectionString: postgresUrl(database), max: PG_POOL });
  // An idle connection still closing when the database is dropped must not take the bench down.
  db.on('error', () => {});
  const http = new Pool(sandbox.url, { connections: CONCURRENCY, pipelining: 1, keepAliveTimeout: 30_000 });
  try {
    await db.query(`create table queue (id bigserial primary key, recipient text not null, body text not null, state text not null default 'queued', provider_id text, updated_at bigint)`);
    await db.query(`create index queue_queued on queue (id) where state = 'queued'`);
    await db.query(`insert into queue (recipient, body) select r, $2 from unnest($1::text[]) as r`, [Array.from({ length: count }, (_, i) => phone(i)), BODY]);
    let failed = 0;
    const t0 = Date.now();
    const loop = async () => {
      for (;;) {
        const claimed = await db.query<{ id: string; recipient: string }>(
          `update queue set state = 'sending', updated_at = $1 where id = (select id from queue where state = 'queued' order by id limit 1 for update skip locked) returning id, recipient`,
          [Date.now()],
        );
        const row = claimed.rows[0];
        if (!row) return;
        const res = await http.request({
          method: 'POST',
          path: '/xms/v1/bench/batches',
          headers: { authorization: 'Bearer bench-token', 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ to: [row.recipient], body: BODY, delivery_report: 'per_recipient', callback_url: callbackUrl, client_reference: `msg_${randomBase32(26).toLowerCase()}` }),
        });
        const answer = (await res.body.json()) as { id?: string };
        if (res.statusCode !== 201) failed++;
        await db.query(`update queue set state = $2, provider_id = $3, updated_at = $4 where id = $1`, [row.id, res.statusCode === 201 ? 'sent' : 'failed', answer.id ?? null, Date.now()]);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, loop));
    return { rate: count / ((Date.now() - t0) / 1000), failed };
  } finally {
    await http.close();
    await db.end();
    await dropPostgresDatabase(database);
  }
}

interface HubRound {
  rate: number;
  measured: number;
  launchS: number;
  hubCpuPct: number;
  sandboxCpuPct: number;
  notEnqueued: number;
}

/**
 * One backlog drained. With several integrations (one per hub process) the audience is split
 * into one campaign per integration, and all limits are lifted at once: each integration's
 * sender lives in one process, so that is how several processes share dispatch.
 */
async function hubRound(cluster: HubCluster, db: BenchDb, sandbox: Child<SandboxInfo>, projectId: string, integrationIds: string[], audience: string[], n: number): Promise<HubRound> {
  const api = cluster.first.api;
  const k = integrationIds.length;
  const campaigns: string[] = [];
  for (const [i, integrationId] of integrationIds.entries()) {
    const slice = audience.filter((_, j) => j % k === i);
    const c = await api.must<{ id: string }>('POST', `/api/v1/projects/${projectId}/campaigns`, { name: `dispatch ${n}.${i}`, body: BODY, audience: { customer_ids: slice }, integration_id: integrationId }, [201]);
    campaigns.push(c.id);
  }
  const l0 = Date.now();
  for (const id of campaigns) await api.must('POST', `/api/v1/projects/${projectId}/campaigns/${id}/launch`, {}, [200], 600_000);
  const launchS = (Date.now() - l0) / 1000;
  const inCampaigns = `campaign_id in (${campaigns.map(() => '?').join(', ')})`;
  const waiting = async () => (await db.get<{ n: number }>(`select count(*) as n from messages where ${inCampaigns} and dispatch_state in ('queued', 'sending')`, ...campaigns))!.n;
  const measured = await waiting();
  const hubBefore = cluster.sample();
  const sbBefore = sandbox.sample();
  const t0 = Date.now();
  await Promise.all(integrationIds.map((id) => setRateLimit(api, projectId, id, null)));
  await waitFor('the backlog to be dispatched', async () => ((await waiting()) === 0 ? true : undefined), 600_000, 50);
  const wall = (Date.now() - t0) / 1000;
  const hubCpuPct = cpuPercent(hubBefore, cluster.sample(), wall);
  const sandboxCpuPct = cpuPercent(sbBefore, sandbox.sample(), wall);
  const last = (await db.get<{ t: number }>(`select max(created_at) as t from events where ${inCampaigns} and status = 'enqueued'`, ...campaigns))!;
  const notEnqueued = (await db.get<{ n: number }>(`select count(*) as n from messages where ${inCampaigns} and status != 'enqueued'`, ...campaigns))!.n;
  await Promise.all(integrationIds.map((id) => setRateLimit(api, projectId, id, HOLD)));
  return { rate: measured / ((Number(last.t) - t0) / 1000), measured, launchS, hubCpuPct, sandboxCpuPct, notEnqueued };
}

export async function run(opts: BenchOptions): Promise<ScenarioResult> {
  const M = opts.smoke ? 300 : 10_000;
  const onPostgres = opts.store === 'postgres';
  const [sandbox, started] = await Promise.allSettled([startSandbox(), startHubs(opts.hubs, { store: opts.store })]).then(settledOrThrow);
  const cluster: HubCluster | null = started;
  let db: BenchDb | null = null;
  try {
    const h = started.first;
    const pid = await createProject(h.api);
    const integrationIds: string[] = [];
    let callbackUrl = '';
    for (let i = 0; i < opts.hubs; i++) {
      const integration = await createSinchIntegration(h.api, pid, { sandboxUrl: sandbox.info.url, rateLimit: HOLD, maxConcurrency: CONCURRENCY, name: `Sinch (sandbox) ${i + 1}`, makeDefault: i === 0 });
      integrationIds.push(integration.id);
      callbackUrl ||= integration.webhook_urls['delivery']!;
    }
    const d = (db = h.openDb());
    opts.log(`dispatch: creating ${M} customers through the API`);
    const customers = await createCustomers(h.api, pid, M, 'd');
    opts.log(`dispatch: ${round(customers.rate)} customers/s`);

    // Warm-up of both paths, unmeasured.
    if (!opts.smoke) {
      await hubRound(started, d, sandbox, pid, integrationIds, customers.ids.slice(0, 2000), 0);
      await rawUndici(sandbox.info, 2000, callbackUrl);
      if (onPostgres) await rawPgClaimLoop(sandbox.info, 2000, callbackUrl);
    }

    const hubRuns: HubRound[] = [];
    const rawRuns: { rate: number; failed: number; sandboxCpuPct: number; generatorCpuPct: number }[] = [];
    const claimRuns: { rate: number; failed: number }[] = [];
    const raw = async () => {
      if (onPostgres) claimRuns.push(await rawPgClaimLoop(sandbox.info, M, callbackUrl));
      const before = sandbox.sample();
      const cpu = process.cpuUsage();
      const t0 = Date.now();
      const r = await rawUndici(sandbox.info, M, callbackUrl);
      const wall = (Date.now() - t0) / 1000;
      const self = process.cpuUsage(cpu);
      rawRuns.push({ ...r, sandboxCpuPct: cpuPercent(before, sandbox.sample(), wall), generatorCpuPct: ((self.user + self.system) / 1e6 / wall) * 100 });
    };
    for (let r = 0; r < opts.rounds; r++) {
      const hubFirst = r % 2 === 0;
      if (!hubFirst) await raw();
      hubRuns.push(await hubRound(started, d, sandbox, pid, integrationIds, customers.ids, r + 1));
      if (hubFirst) await raw();
      opts.log(`dispatch round ${r + 1}: hub ${round(hubRuns[r]!.rate)} msg/s, raw undici ${round(rawRuns[r]!.rate)} msg/s${onPostgres ? `, raw pg claim loop ${round(claimRuns[r]!.rate)} msg/s` : ''}`);
    }

    const hubRate = median(hubRuns.map((x) => x.rate));
    const rawRate = median(rawRuns.map((x) => x.rate));
    const claimRate = onPostgres ? median(claimRuns.map((x) => x.rate)) : NaN;
    const fmt = (xs: number[]) => xs.map((x) => round(x)).join(' / ');
    return {
      name: 'dispatch',
      settings: {
        'messages per round': M,
        'max_concurrency / undici connections': CONCURRENCY,
        rounds: opts.rounds,
        'rate limit': 'none (held at 0.001 parts/s while the campaign is queued, then lifted)',
        recipients: 'distinct US numbers ending 0007 (accepted, no delivery reports)',
        store: onPostgres ? 'PostgreSQL (a database per hub on the local server)' : 'SQLite (the hub\'s file)',
        'hub processes': opts.hubs > 1 ? `${opts.hubs} on the one database, one integration each (the backlog split into one campaign per integration)` : 1,
      },
      figures: [
        {
          label: 'Messages/s from queued to enqueued (backlog drained)',
          value: hubRate,
          unit: 'msg/s',
          baseline: rawRate,
          ratio: hubRate / rawRate,
          goal: '≥ 50% of raw undici',
          met: hubRate / rawRate >= 0.5,
          runs: hubRuns.map((x) => x.rate),
          baselineRuns: rawRuns.map((x) => x.rate),
        },
        ...(onPostgres
          ? [
              {
                label: `Messages/s against a raw claim-and-send loop through pg (${CONCURRENCY} loops, one row per claim with FOR UPDATE SKIP LOCKED, pg Pool of ${PG_POOL})`,
                value: hubRate,
                unit: 'msg/s',
                baseline: claimRate,
                ratio: hubRate / claimRate,
                goal: '≥ 50% of the raw claim loop',
                met: hubRate / claimRate >= 0.5,
                runs: hubRuns.map((x) => x.rate),
                baselineRuns: claimRuns.map((x) => x.rate),
              },
            ]
          : []),
        {
          label: `Campaign launch of ${M} (POST …/launch until it answered)`,
          value: median(hubRuns.map((x) => x.launchS)),
          unit: 's',
          goal: '—',
          met: null,
          runs: hubRuns.map((x) => x.launchS),
        },
        {
          label: 'Customers created through the API (POST /customers, 32 concurrent)',
          value: customers.rate,
          unit: 'customers/s',
          goal: '—',
          met: null,
        },
      ],
      notes: [
        `Hub rate = messages still queued when the limit was lifted (${fmt(hubRuns.map((x) => x.measured))} per round) / (last \`enqueued\` event's created_at − the moment before the PATCH). Raw undici rate = ${M} / wall time of ${CONCURRENCY} request loops over one undici Pool of ${CONCURRENCY} connections, each reading the full answer.`,
        `Messages not \`enqueued\` at the end of a hub round: ${fmt(hubRuns.map((x) => x.notEnqueued))}; raw requests not answered 201: ${fmt(rawRuns.map((x) => x.failed))}${onPostgres ? `; raw claim-loop sends not answered 201: ${fmt(claimRuns.map((x) => x.failed))}` : ''}.`,
        `CPU (% of one core) while the hub drained: hub ${fmt(hubRuns.map((x) => x.hubCpuPct))}, sandbox ${fmt(hubRuns.map((x) => x.sandboxCpuPct))}. During raw undici: sandbox ${fmt(rawRuns.map((x) => x.sandboxCpuPct))}, bench process ${fmt(rawRuns.map((x) => x.generatorCpuPct))}.`,
        `Hub process${started.hubs.length > 1 ? 'es' : ''} at the end: RSS ${started.hubs.map((x) => round(x.child.sample().rssMb)).join(' / ')} MB, peak ${started.hubs.map((x) => round(x.child.sample().peakRssMb)).join(' / ')} MB; logged ${started.warnings()} warnings and ${started.errors()} errors.`,
      ],
    };
  } finally {
    await db?.close();
    await cluster?.stop().catch(() => cluster?.hubs.forEach((x) => x.child.kill()));
    await sandbox.stop();
  }
}
