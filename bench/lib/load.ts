// Load from autocannon, on loopback. Two shapes:
// - closedLoop: N connections, pipelining 1, each sending its next request when the previous
//   answered: the maximum a target sustains at that concurrency.
// - paced: a fixed total rate. autocannon limits rate per connection per whole second (a
//   connection sends its quota back to back when the second starts, then waits), so one instance
//   at overallRate R sends R requests in a burst at the top of every second. To spread the load,
//   paced() runs K = 50 instances with start times staggered across the second, each at R/K
//   requests per second over up to 10 connections (so ~1 request per connection per second when
//   R ≤ 500): the target sees 50 small bursts per second instead of one big one, and the offered
//   rate holds as long as answers take less than about a second (beyond that a connection is
//   still waiting when its next second starts, and the rate drops: check the achieved rate).
// Either takes several targets (hubs of one cluster): connections, or paced instances, are dealt
// out over them evenly, and the result is their sum.
// Latency is the time from writing a request to its complete response (autocannon's own
// measure, in ms with sub-ms resolution), collected per response rather than from autocannon's
// histogram (which rounds to whole ms and, with a rate set, back-fills "expected" samples).
import autocannon from 'autocannon';
import { percentileSorted, sleep } from './util.js';

export interface RequestSpec {
  /** e.g. http://127.0.0.1:8080 */
  url: string;
  path: string;
  headers: Record<string, string>;
  /** The body of the next request; `key` comes back to onResponse with its answer. */
  next(): { body: string; key?: string };
  onResponse?(status: number, body: string, key: string | undefined, at: number): void;
}

export interface LoadResult {
  /** 2xx answers. */
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  durationS: number;
  /**
   * 2xx answers per second, from their arrival times: the mean over the run's whole seconds
   * without the first one and the last two (ramp-up of staggered instances, and the burst
   * autocannon still sends as it stops), or over the whole run when it is too short for that.
   */
  rps: number;
  latencyMs: { p50: number; p90: number; p99: number; p999: number; max: number };
  /** CPU of the bench process (the load generator) during the run, % of one core. */
  generatorCpuPct: number;
}

interface Raw {
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  durationS: number;
}

function instance(spec: RequestSpec, opts: { connections: number; durationS: number; overallRate?: number }, latencies: number[], answeredAt: number[]): Promise<Raw> {
  return new Promise((resolve, reject) => {
    let ok = 0;
    const inst = autocannon(
      {
        url: spec.url,
        connections: opts.connections,
        pipelining: 1,
        duration: opts.durationS,
        timeout: 30,
        ...(opts.overallRate ? { overallRate: opts.overallRate, ignoreCoordinatedOmission: true } : {}),
        requests: [
          {
            method: 'POST',
            path: spec.path,
            headers: spec.headers,
            setupRequest: (req, context) => {
              const n = spec.next();
              (context as { key?: string }).key = n.key;
              return { ...req, body: n.body };
            },
            onResponse: (status, body, context) => spec.onResponse?.(status, body, (context as { key?: string }).key, Date.now()),
          },
        ],
      },
      (err: unknown, result: autocannon.Result) => {
        if (err) return reject(err instanceof Error ? err : new Error(JSON.stringify(err)));
        resolve({ ok, non2xx: result.non2xx, errors: result.errors - result.timeouts, timeouts: result.timeouts, durationS: result.duration });
      },
    );
    inst.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) {
        ok++;
        latencies.push(responseTime);
        answeredAt.push(Date.now());
      }
    });
  });
}

function achievedRate(answeredAt: number[]): number {
  if (answeredAt.length < 2) return NaN;
  answeredAt.sort((a, b) => a - b);
  const first = answeredAt[0]!;
  const last = answeredAt[answeredAt.length - 1]!;
  const bins: number[] = new Array(Math.floor((last - first) / 1000) + 1).fill(0);
  for (const t of answeredAt) bins[Math.floor((t - first) / 1000)]!++;
  // Whole seconds only, without the first (ramp-up) and the last two (ramp-down, partial).
  const inner = bins.slice(1, -2);
  if (inner.length < 2) return ((answeredAt.length - 1) * 1000) / Math.max(1, last - first);
  return inner.reduce((a, b) => a + b, 0) / inner.length;
}

function summarize(raws: Raw[], latencies: number[], answeredAt: number[], cpuStart: NodeJS.CpuUsage, wallS: number, durationS: number): LoadResult {
  latencies.sort((a, b) => a - b);
  const sum = (k: keyof Raw) => raws.reduce((n, r) => n + r[k], 0);
  const cpu = process.cpuUsage(cpuStart);
  return {
    ok: sum('ok'),
    non2xx: sum('non2xx'),
    errors: sum('errors'),
    timeouts: sum('timeouts'),
    durationS,
    rps: achievedRate(answeredAt),
    latencyMs: {
      p50: percentileSorted(latencies, 50),
      p90: percentileSorted(latencies, 90),
      p99: percentileSorted(latencies, 99),
      p999: percentileSorted(latencies, 99.9),
      max: latencies[latencies.length - 1] ?? NaN,
    },
    generatorCpuPct: (((cpu.user + cpu.system) / 1e6) / wallS) * 100,
  };
}

/** Maximum throughput: `connections` connections, pipelining 1, for `durationS`. */
export async function closedLoop(target: RequestSpec | readonly RequestSpec[], opts: { connections: number; durationS: number }): Promise<LoadResult> {
  const specs = Array.isArray(target) ? (target as readonly RequestSpec[]) : [target as RequestSpec];
  const latencies: number[] = [];
  const answeredAt: number[] = [];
  const cpu = process.cpuUsage();
  const t0 = Date.now();
  const raws = await Promise.all(
    specs.map((spec, i) => instance(spec, { connections: Math.floor(opts.connections / specs.length) + (i < opts.connections % specs.length ? 1 : 0), durationS: opts.durationS }, latencies, answeredAt)),
  );
  return summarize(raws, latencies, answeredAt, cpu, (Date.now() - t0) / 1000, Math.max(...raws.map((r) => r.durationS)));
}

/** A fixed total rate (requests/s) for `durationS`, spread as described at the top. */
export async function paced(target: RequestSpec | readonly RequestSpec[], opts: { rate: number; durationS: number; instances?: number }): Promise<LoadResult> {
  const specs = Array.isArray(target) ? (target as readonly RequestSpec[]) : [target as RequestSpec];
  const rate = Math.max(1, Math.round(opts.rate));
  const k = Math.max(1, Math.min(opts.instances ?? 50, rate));
  const latencies: number[] = [];
  const answeredAt: number[] = [];
  const cpu = process.cpuUsage();
  const t0 = Date.now();
  const runs: Promise<Raw>[] = [];
  for (let i = 0; i < k; i++) {
    const share = Math.floor(rate / k) + (i < rate % k ? 1 : 0);
    runs.push(instance(specs[i % specs.length]!, { connections: Math.min(share, 10), durationS: opts.durationS, overallRate: share }, latencies, answeredAt));
    if (i < k - 1) await sleep(1000 / k);
  }
  const raws = await Promise.all(runs);
  return summarize(raws, latencies, answeredAt, cpu, (Date.now() - t0) / 1000, opts.durationS);
}
