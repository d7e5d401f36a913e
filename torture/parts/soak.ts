// soak: measures how many sends per second the hub takes through its API on to the sandbox
// (closed loop), then offers half of that, open loop, for ten minutes, sampling the hub's RSS
// every second and the API's latency per window, and fails on memory growth or latency drift.
import { percentile, round, sleep } from '../../bench/lib/util.js';
import type { RunningHub } from '../../bench/lib/world.js';
import { readStore, SandboxRecord } from '../lib/ledger.js';
import { createProject, hubSlot, kill9, plainNumber, sinchIntegration, sinchSandbox, startSlot } from '../lib/world.js';
import type { PartOptions, PartResult, TorturePart } from '../types.js';

/** RSS at the end may exceed RSS at the end of the second window by this share at most. */
const RSS_GROWTH_BOUND = 0.25;
/** The last window's p99 may be at most this multiple of the second window's… */
const P99_DRIFT_BOUND = 2;
/** …unless it is under this many ms (below it, scheduler noise on a shared machine decides). */
const P99_FLOOR_MS = 10;

export const soakPart: TorturePart = {
  name: 'soak',
  description:
    "Measures the hub's closed-loop send capacity through the API to the sandbox, then runs open-loop sends at half of it for 10 minutes, sampling RSS and per-minute p99 API latency; fails on RSS growth after warm-up or p99 drift.",
  async run(opts: PartOptions): Promise<PartResult> {
    const durationS = Number(process.env.TORTURE_SOAK_SECONDS ?? (opts.smoke ? 10 : 600));
    const windowS = Number(process.env.TORTURE_SOAK_WINDOW_SECONDS ?? (opts.smoke ? 2 : 60));
    const capacityS = Number(process.env.TORTURE_SOAK_CAPACITY_SECONDS ?? (opts.smoke ? 3 : 15));
    const sandbox = await sinchSandbox({ id: 'soak', token: 'soak-token' });
    const record = new SandboxRecord(sandbox.info.controlUrl);
    const slot = await hubSlot(opts.workDir);
    let hub: RunningHub | null = null;
    try {
      hub = await startSlot(slot);
      const pid = await createProject(hub.api, 'Torture soak');
      await sinchIntegration(hub.api, pid, { baseUrl: sandbox.info.url, plan: 'soak', token: 'soak-token' });
      const path = `/api/v1/projects/${pid}/messages`;
      const api = hub.api;
      let phone = 0;
      const send = () => api.call('POST', path, { phone: plainNumber(phone++), body: 'Soak test message' }, 30_000);

      // Capacity: 16 closed loops; the rate is the lesser of what the API acknowledged and what reached the sandbox.
      const before = await record.stats();
      let acked = 0;
      const capEnd = performance.now() + capacityS * 1000;
      const capStart = performance.now();
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (performance.now() < capEnd) if ((await send()).status === 202) acked++;
        }),
      );
      const capWall = (performance.now() - capStart) / 1000;
      await sleep(1000);
      const after = await record.stats();
      const apiRate = acked / capWall;
      const sandboxRate = (after.batches - before.batches) / (capWall + 1);
      const capacity = Math.min(apiRate, sandboxRate);
      const rate = Math.max(1, capacity / 2);
      opts.log(`capacity ${round(capacity)} sends/s (API ${round(apiRate)}, sandbox ${round(sandboxRate)}); soaking at ${round(rate)}/s for ${durationS} s`);
      await sleep(2000); // let the capacity run's backlog and reports clear

      // Open loop: requests leave on schedule whatever the answers do; latency counts from the scheduled time.
      const windows = Math.ceil(durationS / windowS);
      const latencies: number[][] = Array.from({ length: windows }, () => []);
      const rss: number[][] = Array.from({ length: windows }, () => []);
      let errors = 0;
      let sent = 0;
      let inFlight = 0;
      let maxInFlight = 0;
      const pending = new Set<Promise<void>>();
      const t0 = performance.now();
      const end = t0 + durationS * 1000;
      let nextRss = t0;
      while (performance.now() < end) {
        const now = performance.now();
        const due = Math.floor(((now - t0) / 1000) * rate);
        while (sent < due) {
          const scheduled = t0 + (sent / rate) * 1000;
          const w = Math.min(windows - 1, Math.floor((scheduled - t0) / 1000 / windowS));
          sent++;
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          const p = send()
            .then((r) => {
              if (r.status === 202) latencies[w]!.push(performance.now() - scheduled);
              else errors++;
            })
            .catch(() => {
              errors++;
            })
            .finally(() => {
              inFlight--;
              pending.delete(p);
            });
          pending.add(p);
        }
        if (now >= nextRss) {
          const w = Math.min(windows - 1, Math.floor((now - t0) / 1000 / windowS));
          rss[w]!.push(hub.child.sample().rssMb);
          nextRss += 1000;
        }
        await sleep(5);
      }
      await Promise.all(pending);
      const store = readStore(hub.dbPath);
      const backlog = [...store.messages.values()].filter((m) => m.status === 'pending').length;

      const p99 = latencies.map((l) => percentile(l, 99));
      const rssEnd = rss.map((r) => (r.length ? r[r.length - 1]! : NaN));
      const failures: string[] = [];
      if (windows >= 3) {
        const warm = rssEnd[1]!;
        const last = rssEnd[windows - 1]!;
        if (last > warm * (1 + RSS_GROWTH_BOUND))
          failures.push(`RSS grew ${round(((last - warm) / warm) * 100)}% from the end of window 2 (${round(warm)} MB) to the end (${round(last)} MB); bound ${RSS_GROWTH_BOUND * 100}%`);
        const second = p99[1]!;
        const final = p99[windows - 1]!;
        if (final > second * P99_DRIFT_BOUND && final > P99_FLOOR_MS)
          failures.push(`p99 API latency of the last window ${round(final)} ms > ${P99_DRIFT_BOUND}× the second window's ${round(second)} ms`);
      } else failures.push(`only ${windows} window(s): the soak needs at least 3 to compare`);
      if (errors > sent * 0.001) failures.push(`${errors} of ${sent} sends were not acknowledged`);
      const fmt = (xs: number[]) => xs.map((x) => round(x)).join(', ');
      return {
        counts: { 'capacity sends/s': round(capacity), 'soak sends/s': round(rate), sends: sent, errors, windows },
        failures,
        notes: [
          `capacity: ${acked} sends acknowledged in ${round(capWall)} s by 16 closed loops (${round(apiRate)}/s), ${after.batches - before.batches} reached the sandbox (${round(sandboxRate)}/s over the run plus 1 s)`,
          `windows of ${windowS} s; p99 API latency per window (ms, from the scheduled send time): ${fmt(p99)}`,
          `p50 per window (ms): ${fmt(latencies.map((l) => percentile(l, 50)))}`,
          `hub RSS at the end of each window (MB): ${fmt(rssEnd)}; peak ${round(hub.child.sample().peakRssMb)} MB`,
          `most requests in flight: ${maxInFlight}; messages still queued at the end: ${backlog}`,
          `bounds: RSS end ≤ ${(1 + RSS_GROWTH_BOUND) * 100}% of RSS at the end of window 2; last p99 ≤ ${P99_DRIFT_BOUND}× window 2's p99 (or ≤ ${P99_FLOOR_MS} ms)`,
        ],
      };
    } finally {
      if (hub) await kill9(hub).catch(() => {});
      await sandbox.stop().catch(() => {});
    }
  },
};
