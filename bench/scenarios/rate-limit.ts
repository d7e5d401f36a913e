// Rate-limit accuracy: three integrations at 10, 100 and 1,000 parts/s, running at the same time,
// each with a backlog of mixed 1-, 2- and 3-part messages (100, 200 and 400 GSM-7 characters, in
// a seeded random order). Measured where the provider counts: the sandbox records when each
// batch arrived and how many parts it had. The baseline is the configured limit.
//
// The backlog is queued through the API while the integrations are held at 0.001 parts/s (about
// one message a second gets through); the clock starts when the limits are set (PATCH), and only
// arrivals after that moment count.
import { request } from 'undici';
import { sendMessages } from '../lib/messages.js';
import { cpuPercent } from '../lib/proc.js';
import type { BenchOptions, Figure, ScenarioResult } from '../lib/types.js';
import { median, prng, round, sleep } from '../lib/util.js';
import type { BenchDb } from '../lib/store.js';
import { createProject, createSinchIntegration, setRateLimit, settledOrThrow, startHub, startSandbox, type IntegrationView, type RunningHub } from '../lib/world.js';

const LIMITS = [10, 100, 1000];
const HOLD = 0.001;
const TEXT = 'Your package is on its way and will arrive tomorrow between nine and noon. Reply STOP to opt out. ';

function bodyOf(chars: number, i: number): string {
  const s = `#${i} ` + TEXT.repeat(Math.ceil(chars / TEXT.length) + 1);
  return s.slice(0, chars);
}

interface Window {
  /** Most parts that arrived in any window [t, t + 1000 ms). */
  maxParts: number;
  /**
   * Mean parts/s: the least-squares slope of cumulative parts against arrival time. Sends come
   * in bursts when each window reopens; a plain count over a fixed span gains or loses up to a
   * whole burst at its edges (up to 1/seconds of the rate), the slope does not.
   */
  meanRate: number;
  /** Parts that arrived within `seconds` of the first arrival, divided by `seconds`. */
  countRate: number;
  arrivals: number;
  parts: number;
}

function slope(points: [number, number][]): number {
  const n = points.length;
  if (n < 2) return NaN;
  let mx = 0;
  let my = 0;
  for (const [x, y] of points) {
    mx += x / n;
    my += y / n;
  }
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of points) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  return sxy / sxx;
}

/** Arrivals [ms, parts]: the worst 1-second window and the mean rate over `seconds` from the first. */
export function windows(arrivals: [number, number][], seconds: number): Window {
  const a = [...arrivals].sort((x, y) => x[0] - y[0]);
  if (a.length === 0) return { maxParts: 0, meanRate: 0, countRate: 0, arrivals: 0, parts: 0 };
  const first = a[0]![0];
  const end = first + seconds * 1000;
  const inRun = a.filter(([t]) => t < end);
  let maxParts = 0;
  let sum = 0;
  let j = 0;
  // Every maximal window starts at an arrival: slide its start over them.
  for (let i = 0; i < inRun.length; i++) {
    while (j < inRun.length && inRun[j]![0] < inRun[i]![0] + 1000) sum += inRun[j++]![1];
    maxParts = Math.max(maxParts, sum);
    sum -= inRun[i]![1];
  }
  const parts = inRun.reduce((n, [, p]) => n + p, 0);
  let cumulative = 0;
  const curve = inRun.map(([t, p]): [number, number] => [(t - first) / 1000, (cumulative += p)]);
  return { maxParts, meanRate: slope(curve), countRate: parts / seconds, arrivals: inRun.length, parts };
}

export async function run(opts: BenchOptions): Promise<ScenarioResult> {
  const seconds = opts.smoke ? 2 : Math.max(10, opts.durationS);
  const plans = LIMITS.map((l) => ({ id: `rl${l}`, token: `token-${l}` }));
  const [sandbox, started] = await Promise.allSettled([startSandbox({ servicePlans: plans, historyLimit: 150_000 }), startHub({ store: opts.store })]).then(settledOrThrow);
  const hub: RunningHub | null = started;
  let db: BenchDb | null = null;
  try {
    const h = started;
    const pid = await createProject(h.api);
    const integrations: IntegrationView[] = [];
    for (const [i, limit] of LIMITS.entries()) {
      integrations.push(
        await createSinchIntegration(h.api, pid, { sandboxUrl: sandbox.info.url, plan: plans[i]!.id, token: plans[i]!.token, rateLimit: HOLD, name: `limit ${limit}`, makeDefault: i === 0 }),
      );
    }
    const d = (db = h.openDb());
    const queued = async (integrationId: string) => (await d.get<{ n: number }>(`select count(*) as n from messages where integration_id = ? and dispatch_state in ('queued', 'sending')`, integrationId))!.n;
    const rnd = prng(42);
    let phoneCursor = 0;
    let sent = 0;

    const results: Window[][] = LIMITS.map(() => []);
    const leftAtEnd: number[][] = LIMITS.map(() => []);
    const cpu: number[] = [];
    for (let r = 0; r < opts.rounds; r++) {
      // Top up each backlog to last the run, plus margin (2 parts per message on average).
      for (const [i, limit] of LIMITS.entries()) {
        // (In smoke runs, just enough to run: the API queues only a few hundred per second.)
        const want = opts.smoke ? Math.ceil((limit * seconds) / 2) : Math.ceil(((limit * (seconds + 2)) / 2) * 1.25);
        const have = await queued(integrations[i]!.id);
        const add = Math.max(0, want - have);
        if (add === 0) continue;
        const sizes = Array.from({ length: add }, () => [100, 200, 400][Math.floor(rnd() * 3)]!);
        opts.log(`rate-limit round ${r + 1}: queueing ${add} messages for ${limit} parts/s`);
        await sendMessages(h.api, pid, add, { firstPhone: phoneCursor, body: (k) => bodyOf(sizes[k]!, sent + k), integrationId: integrations[i]!.id, concurrency: 16 });
        phoneCursor += add;
        sent += add;
      }
      const before = h.child.sample();
      const t0 = Date.now();
      await Promise.all(LIMITS.map((limit, i) => setRateLimit(h.api, pid, integrations[i]!.id, limit)));
      await sleep((seconds + 1.5) * 1000);
      cpu.push(cpuPercent(before, h.child.sample(), (Date.now() - t0) / 1000));
      await Promise.all(LIMITS.map((_, i) => setRateLimit(h.api, pid, integrations[i]!.id, HOLD)));
      for (const [i, plan] of plans.entries()) {
        const res = await request(`${sandbox.info.controlUrl}/arrivals?plan=${plan.id}&since=${t0}`);
        const w = windows((await res.body.json()) as [number, number][], seconds);
        results[i]!.push(w);
        leftAtEnd[i]!.push(await queued(integrations[i]!.id));
      }
      opts.log(`rate-limit round ${r + 1}: ` + LIMITS.map((l, i) => `${l}/s → max ${results[i]![r]!.maxParts}, mean ${round(results[i]![r]!.meanRate)}`).join('; '));
    }

    const figures: Figure[] = [];
    const fmt = (xs: number[]) => xs.map((x) => round(x)).join(' / ');
    for (const [i, limit] of LIMITS.entries()) {
      const rs = results[i]!;
      const worst = Math.max(...rs.map((w) => w.maxParts));
      const meanRate = median(rs.map((w) => w.meanRate));
      figures.push(
        {
          label: `${limit} parts/s: most parts in any 1 s window (worst of ${rs.length} rounds)`,
          value: worst,
          unit: 'parts',
          baseline: limit,
          ratio: worst / limit,
          goal: '≤ the limit',
          met: worst <= limit,
          runs: rs.map((w) => w.maxParts),
        },
        {
          label: `${limit} parts/s: mean rate with a backlog, over ${seconds} s`,
          value: meanRate,
          unit: 'parts/s',
          baseline: limit,
          ratio: meanRate / limit,
          goal: '≥ 97% of the limit',
          met: meanRate / limit >= 0.97,
          runs: rs.map((w) => w.meanRate),
        },
      );
    }
    return {
      name: 'rate-limit accuracy',
      settings: {
        limits: LIMITS.map((l) => `${l} parts/s`).join(', ') + ' (three integrations at once, max_concurrency 32 each)',
        'measured per round': `${seconds} s from each integration's first arrival`,
        rounds: opts.rounds,
        messages: '1, 2 and 3 parts (100/200/400 GSM-7 characters) in seeded random order, queued as a backlog',
      },
      figures,
      notes: [
        `Arrivals are the sandbox's acceptance times of each batch (ms resolution); parts are the sandbox's own count. Windows are [t, t + 1000 ms) starting at every arrival after the limits were set. The mean is the least-squares slope of cumulative parts over arrival time, for arrivals within ${seconds} s of an integration's first arrival.`,
        ...LIMITS.map((l, i) => `${l} parts/s: plain count (parts within ${seconds} s of the first arrival / ${seconds}) per round: ${fmt(results[i]!.map((w) => w.countRate))} parts/s.`),
        ...LIMITS.map((l, i) => `${l} parts/s: batches / parts per round ${fmt(results[i]!.map((w) => w.arrivals))} / ${fmt(results[i]!.map((w) => w.parts))}; messages still queued when the round ended (backlog left) ${fmt(leftAtEnd[i]!)}.`),
        `Hub CPU (% of one core) during the rounds: ${fmt(cpu)}. Hub logged ${h.child.warnings} warnings and ${h.child.errors} errors.`,
      ],
    };
  } finally {
    await db?.close();
    await hub?.stop().catch(() => hub?.child.kill());
    await sandbox.stop();
  }
}
