// Webhook ingest: Sinch SMS recipient delivery reports POSTed to an integration's delivery
// webhook. The hub authenticates each (URL token), stores it durably (group commit, fsync) and
// deduplicates it by content before its 200, then the callback processor turns it into events.
// Baseline: a bare Fastify app with one POST route answering 200, same generator settings. A
// second reference, the durable floor, appends each body to a file and answers after an
// fdatasync covering it: what answering only once a callback is on disk costs by itself here.
//
// Every body is distinct (random batch id, recipient and client_reference, current timestamps),
// so content dedup never short-cuts the work, except in the one run with duplicates. A share of
// the reports are about real messages (sent through the sandbox first): those become events, and
// their lag from the client receiving the 200 to the event's created_at is measured.
import { closedLoop, paced, type LoadResult, type RequestSpec } from '../lib/load.js';
import { messageRows, pendingCallbacks, sendMessages, waitAllDispatched, waitCallbacksProcessed } from '../lib/messages.js';
import { phone } from '../lib/phones.js';
import { cpuPercent } from '../lib/proc.js';
import type { BenchOptions, Figure, ScenarioResult } from '../lib/types.js';
import { median, percentile, prng, randomBase32, round } from '../lib/util.js';
import type { BenchDb } from '../lib/store.js';
import { createProject, createSinchIntegration, settledOrThrow, startBare, startDurable, startHubs, startPgInsert, startSandbox, type HubCluster } from '../lib/world.js';

/** Share of requests that are reports about real messages (the rest: unknown batches). */
const MATCHED_SHARE = 0.2;

interface PoolMessage {
  id: string;
  batchId: string;
  recipient: string;
}

function report(batchId: string, recipient: string, status: 'Dispatched' | 'Delivered' | 'Failed', clientReference: string, now: number): string {
  const code = status === 'Dispatched' ? 401 : status === 'Delivered' ? 0 : 150;
  return JSON.stringify({
    type: 'recipient_delivery_report_sms',
    batch_id: batchId,
    recipient,
    code,
    status,
    at: new Date(now).toISOString(),
    operator_status_at: new Date(now - 150).toISOString(),
    client_reference: clientReference,
  });
}

/**
 * Bodies for one run. Reports about pool messages (Dispatched for each, then Delivered for each)
 * are spread evenly over the run's duration; the rest are about unknown batches. With
 * `duplicateShare`, that share of requests repeats a body already sent in the run.
 */
class ReportSource {
  readonly answered = new Map<string, number>();
  matched = 0;
  duplicates = 0;
  total = 0;
  #start = 0;
  readonly #recent: string[] = [];
  readonly #rnd: () => number;

  constructor(
    private readonly pool: readonly PoolMessage[],
    private readonly durationMs: number,
    seed: number,
    private readonly duplicateShare = 0,
  ) {
    this.#rnd = prng(seed);
  }

  next(): { body: string; key?: string } {
    const now = Date.now();
    if (this.#start === 0) this.#start = now;
    this.total++;
    const quota = this.pool.length * 2;
    if (this.matched < quota && this.matched < quota * Math.min(1, (now - this.#start) / this.durationMs)) {
      const i = this.matched++;
      const m = this.pool[i % this.pool.length]!;
      const delivered = i >= this.pool.length;
      return { body: report(m.batchId, m.recipient, delivered ? 'Delivered' : 'Dispatched', m.id, now), key: `${m.id}:${delivered ? 'delivered' : 'sent'}` };
    }
    if (this.duplicateShare > 0 && this.#recent.length > 0 && this.#rnd() < this.duplicateShare) {
      this.duplicates++;
      return { body: this.#recent[Math.floor(this.#rnd() * this.#recent.length)]! };
    }
    const r = this.#rnd();
    const status = r < 0.45 ? 'Dispatched' : r < 0.9 ? 'Delivered' : 'Failed';
    const body = report(randomBase32(26, this.#rnd), phone(Math.floor(this.#rnd() * 30_000)), status, `msg_${randomBase32(26, this.#rnd).toLowerCase()}`, now);
    if (this.duplicateShare > 0) {
      if (this.#recent.length < 1000) this.#recent.push(body);
      else this.#recent[Math.floor(this.#rnd() * 1000)] = body;
    }
    return { body };
  }

  spec(url: string, path: string): RequestSpec {
    return {
      url,
      path,
      headers: { 'content-type': 'application/json' },
      next: () => this.next(),
      onResponse: (status, _body, key, at) => {
        if (key && status === 200) this.answered.set(key, at);
      },
    };
  }
}

/** Lag from the client getting the 200 to the event's created_at, for every answered pool report. */
async function lags(db: BenchDb, answered: Map<string, number>): Promise<{ lagsMs: number[]; missing: number }> {
  const lagsMs: number[] = [];
  let missing = 0;
  for (const [key, at] of answered) {
    const row = await db.get<{ created_at: number }>('select created_at from events where dedup_key = ?', key);
    if (row) lagsMs.push(Number(row.created_at) - at);
    else missing++;
  }
  return { lagsMs, missing };
}

interface HubRun {
  load: LoadResult;
  hubCpuPct: number;
  lagP50: number;
  lagP99: number;
  lagMax: number;
  lagSamples: number;
  lagMissing: number;
  pendingAtEnd: number;
  drainMs: number;
  requests: number;
  /** Share of the run's requests that were reports about pool messages. */
  matchedShare: number;
}

export async function run(opts: BenchOptions): Promise<ScenarioResult> {
  const D = opts.durationS;
  const maxPool = opts.smoke ? 150 : 4000;
  const warmupS = opts.smoke ? 0 : 3;
  const notes: string[] = [];
  const onPostgres = opts.store === 'postgres';
  const [sandbox, bare, durable, started] = await Promise.allSettled([startSandbox(), startBare(), startDurable(), startHubs(opts.hubs, { store: opts.store })]).then(settledOrThrow);
  const cluster: HubCluster | null = started;
  // On PostgreSQL, the floor that matters is a route that commits each body in PostgreSQL.
  const pgInsert = onPostgres ? await startPgInsert().catch(async (err: unknown) => {
    await Promise.all([sandbox.stop(), bare.stop(), durable.stop(), started.stop()]);
    throw err;
  }) : null;
  let db: BenchDb | null = null;
  try {
    const h = started.first;
    const specsOf = (src: ReportSource) => started.hubs.map((x) => src.spec(x.url, hookPath));
    const pid = await createProject(h.api);
    const integration = await createSinchIntegration(h.api, pid, { sandboxUrl: sandbox.info.url, rateLimit: null, maxConcurrency: 64 });
    const hookPath = new URL(integration.webhook_urls['delivery']!).pathname;
    const d = (db = h.openDb());
    let phoneCursor = 0;
    let seed = 1;
    let poolSendRate = NaN;

    /** Sends `count` messages through the sandbox and returns what their reports need. */
    const preparePool = async (count: number): Promise<PoolMessage[]> => {
      const t0 = Date.now();
      const ids = await sendMessages(h.api, pid, count, { firstPhone: phoneCursor, body: (i) => `Bench ingest ${i}` });
      poolSendRate = count / ((Date.now() - t0) / 1000);
      phoneCursor += count;
      await waitAllDispatched(d, 120_000);
      const rows = await messageRows<{ id: string; provider_message_id: string; recipient: string }>(d, 'id, provider_message_id, recipient', ids);
      return rows.map((r) => ({ id: r.id, batchId: r.provider_message_id, recipient: r.recipient }));
    };

    const poolFor = (expectedRequests: number) => Math.max(10, Math.min(maxPool, Math.ceil((MATCHED_SHARE * expectedRequests) / 2)));

    const hubRun = async (kind: 'max' | 'paced', rate: number, pool: PoolMessage[]): Promise<HubRun> => {
      const src = new ReportSource(pool, D * 1000, seed++);
      const before = started.sample();
      const t0 = Date.now();
      const load = kind === 'max' ? await closedLoop(specsOf(src), { connections: opts.connections, durationS: D }) : await paced(specsOf(src), { rate, durationS: D });
      const hubCpuPct = cpuPercent(before, started.sample(), (Date.now() - t0) / 1000);
      const pendingAtEnd = await pendingCallbacks(d);
      const drainMs = await waitCallbacksProcessed(d, 600_000);
      const { lagsMs, missing } = await lags(d, src.answered);
      return {
        load,
        hubCpuPct,
        lagP50: percentile(lagsMs, 50),
        lagP99: percentile(lagsMs, 99),
        lagMax: lagsMs.reduce((a, b) => Math.max(a, b), -Infinity),
        lagSamples: lagsMs.length,
        lagMissing: missing,
        pendingAtEnd,
        drainMs,
        requests: src.total,
        matchedShare: src.total ? src.matched / src.total : 0,
      };
    };
    /** One load run against a baseline process: the bare route unless `target` says otherwise. */
    const baselineRun = async (kind: 'max' | 'paced', rate: number, target = bare): Promise<LoadResult & { cpuPct: number }> => {
      const src = new ReportSource([], D * 1000, seed++);
      const before = target.sample();
      const t0 = Date.now();
      const load = kind === 'max' ? await closedLoop(src.spec(target.info.url, hookPath), { connections: opts.connections, durationS: D }) : await paced(src.spec(target.info.url, hookPath), { rate, durationS: D });
      return { ...load, cpuPct: cpuPercent(before, target.sample(), (Date.now() - t0) / 1000) };
    };

    // Warm-up (JIT, connection pools, SQLite cache) of both, unmeasured; also sizes the first pool.
    let estimate = 500;
    if (warmupS > 0) {
      opts.log(`webhook-ingest: warm-up ${warmupS}s each`);
      const warm = await closedLoop(specsOf(new ReportSource([], warmupS * 1000, seed++)), { connections: opts.connections, durationS: warmupS });
      await closedLoop(new ReportSource([], warmupS * 1000, seed++).spec(bare.info.url, hookPath), { connections: opts.connections, durationS: warmupS });
      await closedLoop(new ReportSource([], warmupS * 1000, seed++).spec(durable.info.url, hookPath), { connections: opts.connections, durationS: warmupS });
      if (pgInsert) await closedLoop(new ReportSource([], warmupS * 1000, seed++).spec(pgInsert.child.info.url, hookPath), { connections: opts.connections, durationS: warmupS });
      await waitCallbacksProcessed(d, 600_000);
      estimate = warm.rps;
    }

    const hubMax: HubRun[] = [];
    const hubHalf: HubRun[] = [];
    const bareMax: (LoadResult & { cpuPct: number })[] = [];
    const bareHalf: (LoadResult & { cpuPct: number })[] = [];
    const durableMax: (LoadResult & { cpuPct: number })[] = [];
    const pgInsertMax: (LoadResult & { cpuPct: number })[] = [];
    const halfRates: number[] = [];
    for (let r = 0; r < opts.rounds; r++) {
      const hubFirst = r % 2 === 0;
      // Closed loop: the most each sustains.
      const pool = await preparePool(poolFor(estimate * D));
      opts.log(`webhook-ingest round ${r + 1}: max rate (${hubFirst ? 'hub first' : 'bare first'}), ${pool.length} pool messages`);
      if (!hubFirst) {
        bareMax.push(await baselineRun('max', 0));
        durableMax.push(await baselineRun('max', 0, durable));
        if (pgInsert) pgInsertMax.push(await baselineRun('max', 0, pgInsert.child));
      }
      const hm = await hubRun('max', 0, pool);
      hubMax.push(hm);
      if (hubFirst) {
        if (pgInsert) pgInsertMax.push(await baselineRun('max', 0, pgInsert.child));
        durableMax.push(await baselineRun('max', 0, durable));
        bareMax.push(await baselineRun('max', 0));
      }
      estimate = hm.load.rps;
      opts.log(`  hub ${round(hm.load.rps)} req/s, bare ${round(bareMax[r]!.rps)} req/s, durable floor ${round(durableMax[r]!.rps)} req/s${pgInsert ? `, PostgreSQL insert route ${round(pgInsertMax[r]!.rps)} req/s` : ''}; ${hm.pendingAtEnd} callbacks pending at the end, drained in ${hm.drainMs} ms`);

      // Half the hub's maximum, as a fixed rate: latency and lag at a sustainable load.
      const rate = Math.max(1, Math.round(hm.load.rps / 2));
      halfRates.push(rate);
      const halfPool = await preparePool(poolFor(rate * D));
      opts.log(`webhook-ingest round ${r + 1}: ${rate} req/s paced`);
      if (!hubFirst) bareHalf.push(await baselineRun('paced', rate));
      hubHalf.push(await hubRun('paced', rate, halfPool));
      if (hubFirst) bareHalf.push(await baselineRun('paced', rate));
      opts.log(`  hub p99 ${round(hubHalf[r]!.load.latencyMs.p99)} ms, lag p99 ${round(hubHalf[r]!.lagP99)} ms; bare p99 ${round(bareHalf[r]!.latencyMs.p99)} ms`);
    }

    // One run where half the requests repeat a body already sent (providers retry callbacks).
    opts.log('webhook-ingest: one run with 50% duplicate bodies');
    const dupSrc = new ReportSource([], D * 1000, seed++, 0.5);
    const dupBefore = started.sample();
    const dupT0 = Date.now();
    const dup = await closedLoop(specsOf(dupSrc), { connections: opts.connections, durationS: D });
    const dupCpu = cpuPercent(dupBefore, started.sample(), (Date.now() - dupT0) / 1000);
    await waitCallbacksProcessed(d, 600_000);

    const med = (xs: number[]) => median(xs);
    const maxRps = med(hubMax.map((x) => x.load.rps));
    const bareRps = med(bareMax.map((x) => x.rps));
    const durableRps = med(durableMax.map((x) => x.rps));
    const pgInsertRps = pgInsert ? med(pgInsertMax.map((x) => x.rps)) : NaN;
    const halfP99 = med(hubHalf.map((x) => x.load.latencyMs.p99));
    const bareHalfP99 = med(bareHalf.map((x) => x.latencyMs.p99));
    const halfP50 = med(hubHalf.map((x) => x.load.latencyMs.p50));
    const bareHalfP50 = med(bareHalf.map((x) => x.latencyMs.p50));
    const lagHalf = med(hubHalf.map((x) => x.lagP99));
    const lagMax = med(hubMax.map((x) => x.lagP99));
    const rateMed = med(halfRates);

    const figures: Figure[] = [
      {
        label: `Requests/s, closed loop, ${opts.connections} connections`,
        value: maxRps,
        unit: 'req/s',
        baseline: bareRps,
        ratio: maxRps / bareRps,
        // The bare-route goal is SQLite's; on PostgreSQL the goal is against the raw insert route.
        goal: onPostgres ? '—' : '≥ 60% of the bare route',
        met: onPostgres ? null : maxRps / bareRps >= 0.6,
        runs: hubMax.map((x) => x.load.rps),
        baselineRuns: bareMax.map((x) => x.rps),
      },
      ...(pgInsert
        ? [
            {
              label: `Requests/s against a raw PostgreSQL insert-per-request route (one INSERT per body, autocommit, pg Pool of 10), closed loop`,
              value: maxRps,
              unit: 'req/s',
              baseline: pgInsertRps,
              ratio: maxRps / pgInsertRps,
              goal: '≥ 50% of the raw insert route',
              met: maxRps / pgInsertRps >= 0.5,
              runs: hubMax.map((x) => x.load.rps),
              baselineRuns: pgInsertMax.map((x) => x.rps),
            },
          ]
        : []),
      {
        label: `Durable floor: requests/s of a route that appends each body to a file and answers after an fdatasync covering it, closed loop (vs the bare route)`,
        value: durableRps,
        unit: 'req/s',
        baseline: bareRps,
        ratio: durableRps / bareRps,
        goal: '—',
        met: null,
        runs: durableMax.map((x) => x.rps),
        baselineRuns: bareMax.map((x) => x.rps),
      },
      {
        label: `Hub requests/s as a share of the durable floor, closed loop`,
        value: maxRps,
        unit: 'req/s',
        baseline: durableRps,
        ratio: maxRps / durableRps,
        goal: '—',
        met: null,
        runs: hubMax.map((x) => x.load.rps),
        baselineRuns: durableMax.map((x) => x.rps),
      },
      {
        label: `p99 latency at half the hub's max rate (${round(rateMed)} req/s, paced)`,
        value: halfP99,
        unit: 'ms',
        baseline: bareHalfP99,
        ratio: halfP99 / bareHalfP99,
        goal: '≤ 25 ms',
        met: halfP99 <= 25,
        runs: hubHalf.map((x) => x.load.latencyMs.p99),
        baselineRuns: bareHalf.map((x) => x.latencyMs.p99),
      },
      {
        label: 'p50 latency at half the max rate',
        value: halfP50,
        unit: 'ms',
        baseline: bareHalfP50,
        ratio: halfP50 / bareHalfP50,
        goal: '—',
        met: null,
        runs: hubHalf.map((x) => x.load.latencyMs.p50),
        baselineRuns: bareHalf.map((x) => x.latencyMs.p50),
      },
      {
        label: 'Lag from the 200 to the event, p99, at half the max rate',
        value: lagHalf,
        unit: 'ms',
        goal: '≤ 1 s',
        met: lagHalf <= 1000,
        runs: hubHalf.map((x) => x.lagP99),
      },
      {
        label: 'Lag from the 200 to the event, p99, at the max rate',
        value: lagMax,
        unit: 'ms',
        goal: '≤ 1 s',
        met: lagMax <= 1000,
        runs: hubMax.map((x) => x.lagP99),
      },
      {
        label: `p99 latency, closed loop, ${opts.connections} connections`,
        value: med(hubMax.map((x) => x.load.latencyMs.p99)),
        unit: 'ms',
        baseline: med(bareMax.map((x) => x.latencyMs.p99)),
        goal: '—',
        met: null,
        runs: hubMax.map((x) => x.load.latencyMs.p99),
        baselineRuns: bareMax.map((x) => x.latencyMs.p99),
      },
      {
        label: `Requests/s with ~50% duplicate bodies (one run), closed loop`,
        value: dup.rps,
        unit: 'req/s',
        baseline: bareRps,
        ratio: dup.rps / bareRps,
        goal: '—',
        met: null,
      },
    ];

    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const fmtRuns = (xs: number[]) => xs.map((x) => round(x)).join(' / ');
    notes.push(
      `Reports about real messages (Dispatched, then Delivered, for a pool of messages sent through the sandbox before each run; aimed at ${MATCHED_SHARE * 100}% of requests, spread evenly over the run, up to ${maxPool} pool messages): ${fmtRuns(hubMax.map((x) => x.matchedShare * 100))}% of requests in the max-rate runs, ${fmtRuns(hubHalf.map((x) => x.matchedShare * 100))}% at half rate; lag samples per run ${fmtRuns(hubMax.map((x) => x.lagSamples))} (max) and ${fmtRuns(hubHalf.map((x) => x.lagSamples))} (half); answered reports without an event after processing: ${sum([...hubMax, ...hubHalf].map((x) => x.lagMissing))}. The other reports name batches and messages the hub never sent, so they are stored and then processed as unmatched.`,
      `Lag p50 per round: ${fmtRuns(hubHalf.map((x) => x.lagP50))} ms at half rate, ${fmtRuns(hubMax.map((x) => x.lagP50))} ms at max rate; worst single lag per round: ${fmtRuns(hubHalf.map((x) => x.lagMax))} ms (half), ${fmtRuns(hubMax.map((x) => x.lagMax))} ms (max).`,
      `Lag = events.created_at (hub clock, set inside the transaction that commits the event) minus the time the bench received the 200 (same machine clock).`,
      `Callbacks still unprocessed when the max-rate load stopped: ${fmtRuns(hubMax.map((x) => x.pendingAtEnd))}; processed within ${fmtRuns(hubMax.map((x) => x.drainMs / 1000))} s after. At half rate: ${fmtRuns(hubHalf.map((x) => x.pendingAtEnd))} pending, ${fmtRuns(hubHalf.map((x) => x.drainMs / 1000))} s.`,
      `Hub CPU (% of one core) during max-rate runs: ${fmtRuns(hubMax.map((x) => x.hubCpuPct))}; bare: ${fmtRuns(bareMax.map((x) => x.cpuPct))}; load generator (bench process): ${fmtRuns(hubMax.map((x) => x.load.generatorCpuPct))} (hub runs), ${fmtRuns(bareMax.map((x) => x.generatorCpuPct))} (bare runs).`,
      `Durable floor during max-rate runs: CPU ${fmtRuns(durableMax.map((x) => x.cpuPct))}% of one core, p50 latency ${fmtRuns(durableMax.map((x) => x.latencyMs.p50))} ms (hub ${fmtRuns(hubMax.map((x) => x.load.latencyMs.p50))} ms, bare ${fmtRuns(bareMax.map((x) => x.latencyMs.p50))} ms); load generator ${fmtRuns(durableMax.map((x) => x.generatorCpuPct))}%.`,
      `Hub CPU during half-rate runs: ${fmtRuns(hubHalf.map((x) => x.hubCpuPct))}%; bare: ${fmtRuns(bareHalf.map((x) => x.cpuPct))}%.`,
      `Paced rates achieved (hub): ${fmtRuns(hubHalf.map((x) => x.load.rps))} req/s for targets ${fmtRuns(halfRates)}.`,
      `Duplicate run: ${dupSrc.duplicates} of ${dupSrc.total} requests repeated an earlier body; hub CPU ${round(dupCpu)}%.`,
      `Non-2xx answers / socket errors / timeouts: hub ${sum([...hubMax, ...hubHalf].map((x) => x.load.non2xx))} / ${sum([...hubMax, ...hubHalf].map((x) => x.load.errors))} / ${sum([...hubMax, ...hubHalf].map((x) => x.load.timeouts))} (+ duplicate run ${dup.non2xx} / ${dup.errors} / ${dup.timeouts}); bare ${sum([...bareMax, ...bareHalf].map((x) => x.non2xx))} / ${sum([...bareMax, ...bareHalf].map((x) => x.errors))} / ${sum([...bareMax, ...bareHalf].map((x) => x.timeouts))}; durable floor ${sum(durableMax.map((x) => x.non2xx))} / ${sum(durableMax.map((x) => x.errors))} / ${sum(durableMax.map((x) => x.timeouts))}.`,
      `Pool messages were queued through the API at ${round(poolSendRate)} msg/s (16 concurrent requests; last pool).`,
      `Hub process${started.hubs.length > 1 ? `es (${started.hubs.length}) at the end: RSS ${started.hubs.map((x) => round(x.child.sample().rssMb)).join(' / ')} MB, peak ${started.hubs.map((x) => round(x.child.sample().peakRssMb)).join(' / ')} MB` : ` at the end: RSS ${round(h.child.sample().rssMb)} MB, peak ${round(h.child.sample().peakRssMb)} MB`}; ${started.hubs.length > 1 ? 'they' : 'it'} logged ${started.warnings()} warnings and ${started.errors()} errors.`,
    );
    return {
      name: 'webhook ingest',
      settings: {
        'connections (closed loop)': opts.connections,
        pipelining: 1,
        'duration per run': `${D} s`,
        rounds: opts.rounds,
        'paced load': '50 autocannon instances (up to 10 connections each, rate split evenly) staggered over each second',
        body: 'recipient_delivery_report_sms JSON, ~300 bytes, distinct per request',
        integration: 'Sinch SMS, unsigned (URL token), rate_limit null',
        store: onPostgres ? 'PostgreSQL (a database per run on the local server)' : 'SQLite (the hub\'s file)',
        'hub processes': `${opts.hubs}${opts.hubs > 1 ? ' on the one database; the load is dealt out evenly over them' : ''}`,
      },
      figures,
      notes,
    };
  } finally {
    await db?.close();
    await cluster?.stop().catch(() => cluster?.hubs.forEach((x) => x.child.kill()));
    await Promise.all([sandbox.stop(), bare.stop(), durable.stop(), pgInsert?.child.stop()]);
    await pgInsert?.drop();
  }
}
