// End-to-end latency: transactional sends through the API at a fixed 500 msg/s, each to a new
// number, and per message the time from the bench writing the API request to the `enqueued`
// event's created_at (the hub stamps it in the transaction that records the provider's
// acceptance). The path: API validation and durable insert, the dispatcher's claim, the HTTP
// send to the sandbox and its 201, and the group commit of the outcome. Recipients end in 0007
// (no delivery reports), so only that path runs. Baseline: the bare Fastify route answering 200
// at the same rate (its request latency).
import { paced, type LoadResult, type RequestSpec } from '../lib/load.js';
import { waitAllDispatched } from '../lib/messages.js';
import { phone } from '../lib/phones.js';
import { cpuPercent, type Child } from '../lib/proc.js';
import type { BenchOptions, ScenarioResult } from '../lib/types.js';
import { median, percentile, round } from '../lib/util.js';
import type { BenchDb } from '../lib/store.js';
import { ADMIN_TOKEN, createProject, createSinchIntegration, settledOrThrow, startBare, startHub, startSandbox, type RunningHub, type SandboxInfo } from '../lib/world.js';


class Sends {
  readonly sentAt = new Map<string, number>();
  /** message id → when its request was written. */
  readonly byMessage = new Map<string, number>();
  non202 = 0;
  constructor(private seq: number) {}

  spec(url: string, path: string, token: string | null): RequestSpec {
    return {
      url,
      path,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      next: () => {
        const i = this.seq++;
        this.sentAt.set(String(i), Date.now());
        return { body: JSON.stringify({ phone: phone(i), body: `Your code is ${String(i % 10_000).padStart(4, '0')}` }), key: String(i) };
      },
      onResponse: (status, body, key) => {
        if (!key) return;
        const at = this.sentAt.get(key);
        this.sentAt.delete(key);
        if (status !== 202) {
          this.non202++;
          return;
        }
        try {
          this.byMessage.set((JSON.parse(body) as { id: string }).id, at!);
        } catch {
          this.non202++;
        }
      },
    };
  }

  get next(): number {
    return this.seq;
  }
}

interface HubRound {
  load: LoadResult;
  e2e: number[];
  internal: number[];
  /** The path in three stages, per message: request written → row stamped, → send started, → `enqueued`. */
  stages: Stages;
  missing: number;
  hubCpuPct: number;
  sandboxCpuPct: number;
  non202: number;
}

interface Stages {
  api: number[];
  toSend: number[];
  toEnqueued: number[];
}

async function measure(db: BenchDb, byMessage: Map<string, number>): Promise<{ e2e: number[]; internal: number[]; stages: Stages; missing: number }> {
  const ids = [...byMessage.keys()];
  const e2e: number[] = [];
  const internal: number[] = [];
  const stages: Stages = { api: [], toSend: [], toEnqueued: [] };
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const rows = await db.all<{ id: string; queued_at: number; sent_at_us: number; enqueued_at: number }>(
      `select m.id, m.created_at as queued_at, m.sent_at_us, e.created_at as enqueued_at from messages m join events e on e.message_id = m.id and e.status = 'enqueued' where m.id in (${chunk.map(() => '?').join(',')})`,
      ...chunk,
    );
    for (const r of rows) {
      const written = byMessage.get(r.id)!;
      const sentAt = Number(r.sent_at_us) / 1000;
      e2e.push(Number(r.enqueued_at) - written);
      internal.push(Number(r.enqueued_at) - Number(r.queued_at));
      stages.api.push(Number(r.queued_at) - written);
      stages.toSend.push(sentAt - Number(r.queued_at));
      stages.toEnqueued.push(Number(r.enqueued_at) - sentAt);
    }
  }
  return { e2e, internal, stages, missing: ids.length - e2e.length };
}

export async function run(opts: BenchOptions): Promise<ScenarioResult> {
  const D = opts.durationS;
  // The smoke run only checks that the scenario works: at a rate any machine sustains.
  const RATE = opts.smoke ? 100 : 500;
  const [sandbox, bare, started]: [Child<SandboxInfo>, Child<{ url: string }>, RunningHub] = await Promise.allSettled([startSandbox(), startBare(), startHub({ store: opts.store })]).then(settledOrThrow);
  const hub: RunningHub | null = started;
  let db: BenchDb | null = null;
  try {
    const h = started;
    const pid = await createProject(h.api);
    await createSinchIntegration(h.api, pid, { sandboxUrl: sandbox.info.url, rateLimit: null });
    const d = (db = h.openDb());
    const path = `/api/v1/projects/${pid}/messages`;
    let seq = 0;

    const hubRun = async (durationS: number): Promise<HubRound> => {
      const sends = new Sends(seq);
      const hubBefore = h.child.sample();
      const sbBefore = sandbox.sample();
      const t0 = Date.now();
      const load = await paced(sends.spec(h.url, path, ADMIN_TOKEN), { rate: RATE, durationS });
      const wall = (Date.now() - t0) / 1000;
      seq = sends.next;
      await waitAllDispatched(d, 120_000);
      return {
        load,
        ...(await measure(d, sends.byMessage)),
        hubCpuPct: cpuPercent(hubBefore, h.child.sample(), wall),
        sandboxCpuPct: cpuPercent(sbBefore, sandbox.sample(), wall),
        non202: sends.non202,
      };
    };
    const bareRun = (durationS: number) => paced(new Sends(0).spec(bare.info.url, path, null), { rate: RATE, durationS });

    if (!opts.smoke) {
      opts.log('e2e-latency: warm-up 3s each');
      await hubRun(3);
      await bareRun(3);
    }

    const hubRuns: HubRound[] = [];
    const bareRuns: LoadResult[] = [];
    for (let r = 0; r < opts.rounds; r++) {
      const hubFirst = r % 2 === 0;
      if (!hubFirst) bareRuns.push(await bareRun(D));
      hubRuns.push(await hubRun(D));
      if (hubFirst) bareRuns.push(await bareRun(D));
      const x = hubRuns[r]!;
      opts.log(`e2e-latency round ${r + 1}: e2e p50 ${round(percentile(x.e2e, 50))} ms, p99 ${round(percentile(x.e2e, 99))} ms; API p99 ${round(x.load.latencyMs.p99)} ms; bare p99 ${round(bareRuns[r]!.latencyMs.p99)} ms`);
    }

    const e2eP50 = hubRuns.map((x) => percentile(x.e2e, 50));
    const e2eP99 = hubRuns.map((x) => percentile(x.e2e, 99));
    const bareP50 = bareRuns.map((x) => x.latencyMs.p50);
    const bareP99 = bareRuns.map((x) => x.latencyMs.p99);
    const fmt = (xs: number[]) => xs.map((x) => round(x)).join(' / ');
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    return {
      name: 'end-to-end latency',
      settings: {
        rate: `${RATE} msg/s, paced: 50 autocannon instances staggered over each second, ${RATE / 50} req/s each over ${Math.min(RATE / 50, 10)} connections`,
        'duration per run': `${D} s`,
        rounds: opts.rounds,
        integration: 'Sinch SMS to the sandbox, rate_limit null, max_concurrency 32 (default)',
        recipients: 'a new US number per message, ending 0007 (no delivery reports)',
      },
      figures: [
        {
          label: 'API request written → `enqueued` event, p99',
          value: median(e2eP99),
          unit: 'ms',
          baseline: median(bareP99),
          ratio: median(e2eP99) / median(bareP99),
          goal: '≤ 50 ms',
          met: median(e2eP99) <= 50,
          runs: e2eP99,
          baselineRuns: bareP99,
        },
        {
          label: 'API request written → `enqueued` event, p50',
          value: median(e2eP50),
          unit: 'ms',
          baseline: median(bareP50),
          ratio: median(e2eP50) / median(bareP50),
          goal: 'reported',
          met: null,
          runs: e2eP50,
          baselineRuns: bareP50,
        },
        {
          label: 'API answer latency (POST …/messages → 202), p99',
          value: median(hubRuns.map((x) => x.load.latencyMs.p99)),
          unit: 'ms',
          baseline: median(bareP99),
          goal: '—',
          met: null,
          runs: hubRuns.map((x) => x.load.latencyMs.p99),
        },
        {
          label: 'Inside the hub: message created_at → `enqueued` event, p99',
          value: median(hubRuns.map((x) => percentile(x.internal, 99))),
          unit: 'ms',
          goal: '—',
          met: null,
          runs: hubRuns.map((x) => percentile(x.internal, 99)),
        },
        {
          label: 'Send rate achieved',
          value: median(hubRuns.map((x) => x.load.rps)),
          unit: 'msg/s',
          baseline: median(bareRuns.map((x) => x.rps)),
          goal: '—',
          met: null,
          runs: hubRuns.map((x) => x.load.rps),
          baselineRuns: bareRuns.map((x) => x.rps),
        },
      ],
      notes: [
        `End-to-end = events.created_at of the message's \`enqueued\` event (hub clock, ms) − Date.now() in the bench just before autocannon wrote the request (same machine clock). The baseline column is the bare route's request latency at the same rate: the floor of the HTTP part alone.`,
        `Messages measured per round: ${fmt(hubRuns.map((x) => x.e2e.length))}; answered 202 but without an \`enqueued\` event: ${sum(hubRuns.map((x) => x.missing))}; non-202 answers: ${sum(hubRuns.map((x) => x.non202))}; socket errors / timeouts: ${sum(hubRuns.map((x) => x.load.errors))} / ${sum(hubRuns.map((x) => x.load.timeouts))}.`,
        `p99.9 and max end-to-end per round: ${fmt(hubRuns.map((x) => percentile(x.e2e, 99.9)))} ms; ${fmt(hubRuns.map((x) => x.e2e.reduce((a, b) => Math.max(a, b), -Infinity)))} ms. API answer p50 per round: ${fmt(hubRuns.map((x) => x.load.latencyMs.p50))} ms.`,
        `Stages per round, p50 / p99 in ms: request written → message row stamped (HTTP, parsing, validation; the row's created_at) ${hubRuns.map((x) => `${round(percentile(x.stages.api, 50))} / ${round(percentile(x.stages.api, 99))}`).join('; ')}; → send started (the insert's commit and flush, the handoff or claim; sent_at_us) ${hubRuns.map((x) => `${round(percentile(x.stages.toSend, 50))} / ${round(percentile(x.stages.toSend, 99))}`).join('; ')}; → \`enqueued\` event (the sandbox's answer, the outcome's group commit) ${hubRuns.map((x) => `${round(percentile(x.stages.toEnqueued, 50))} / ${round(percentile(x.stages.toEnqueued, 99))}`).join('; ')}.`,
        `CPU (% of one core) during hub runs: hub ${fmt(hubRuns.map((x) => x.hubCpuPct))}, sandbox ${fmt(hubRuns.map((x) => x.sandboxCpuPct))}, load generator ${fmt(hubRuns.map((x) => x.load.generatorCpuPct))}.`,
        `Hub process at the end: RSS ${round(h.child.sample().rssMb)} MB, peak ${round(h.child.sample().peakRssMb)} MB; it logged ${h.child.warnings} warnings and ${h.child.errors} errors.`,
      ],
    };
  } finally {
    await db?.close();
    await hub?.stop().catch(() => hub?.child.kill());
    await Promise.all([sandbox.stop(), bare.stop()]);
  }
}
