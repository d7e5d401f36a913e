// kill9: `kill -9` the hub again and again while it takes transactional sends, launches
// campaigns and receives storms of delivery reports, restarting it on the same data folder each
// time; then let it drain and check that every acknowledged thing was kept (lib/ledger.ts).
import { prng, sleep } from '../../bench/lib/util.js';
import type { RunningHub } from '../../bench/lib/world.js';
import { checkPromises, Ledger, readStore, SandboxRecord, settled } from '../lib/ledger.js';
import { createProject, hubSlot, kill9, plainNumber, QUICK_HUB, sinchIntegration, sinchSandbox, startSlot } from '../lib/world.js';
import type { PartOptions, PartResult, TorturePart } from '../types.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

export const kill9Part: TorturePart = {
  name: 'kill9',
  description:
    'Kills the hub with SIGKILL during sends, campaign launches and report storms, restarts it on the same SQLite files, then checks that every acknowledged message, launch and report was kept, each status once and never moving back.',
  async run(opts: PartOptions): Promise<PartResult> {
    const kills = env('TORTURE_KILLS', opts.smoke ? 3 : 200);
    const customers = env('TORTURE_KILL9_CUSTOMERS', opts.smoke ? 30 : 300);
    const maxUpMs = env('TORTURE_KILL9_MAX_UP_MS', opts.smoke ? 1500 : 1200);
    const drainMs = env('TORTURE_KILL9_DRAIN_MS', opts.smoke ? 20_000 : 120_000);
    const rnd = prng(opts.seed);

    const sandbox = await sinchSandbox(
      { id: 'torture', token: 'torture-token' },
      // Reports soon after acceptance, so they are in flight at every kill; retried quickly while the hub is down.
      { delays: { dispatchedMs: 100, finalMs: 400 }, retryBaseMs: 300, maxCallbackAttempts: 12 },
    );
    const record = new SandboxRecord(sandbox.info.controlUrl);
    const slot = await hubSlot(opts.workDir, { options: QUICK_HUB });
    const ledger = new Ledger();
    let hub: RunningHub | null = null;
    let phone = 0;
    let launchesTried = 0;
    let sendsTried = 0;
    const upTimes: number[] = [];
    const startTimes: number[] = [];
    try {
      let t0 = performance.now();
      hub = await startSlot(slot);
      startTimes.push(performance.now() - t0);
      const pid = await createProject(hub.api, 'Torture kill9');
      await sinchIntegration(hub.api, pid, { baseUrl: sandbox.info.url, plan: 'torture', token: 'torture-token' });
      const audience: string[] = [];
      for (let i = 0; i < customers; i++) {
        const id = `k9-${i}`;
        await hub.api.must('POST', `/api/v1/projects/${pid}/customers`, { customer_id: id, phone: plainNumber(1_000_000 + i) }, [201]);
        audience.push(id);
      }

      for (let k = 0; k < kills; k++) {
        const api = hub.api;
        const upMs = 100 + rnd() * maxUpMs;
        upTimes.push(upMs);
        let stop = false;
        // Transactional sends from a few loops; a 202 goes in the ledger.
        const senders = Array.from({ length: 4 }, async () => {
          while (!stop) {
            sendsTried++;
            const to = plainNumber(phone++);
            try {
              const r = await api.call('POST', `/api/v1/projects/${pid}/messages`, { phone: to, body: `Torture ${phone}` }, 10_000);
              if (r.status === 202) ledger.messages.add((r.body as { id: string }).id);
              else if (r.status >= 500 || r.status === 429) await sleep(20);
            } catch {
              return; // the hub is gone: nothing was acknowledged
            }
          }
        });
        // Every third life, a campaign launch over a slice of the audience.
        const launcher = (async () => {
          if (k % 3 !== 0) return;
          launchesTried++;
          const size = Math.max(5, Math.floor(audience.length / 4));
          const from = Math.floor(rnd() * (audience.length - size));
          try {
            const c = await api.call('POST', `/api/v1/projects/${pid}/campaigns`, { name: `Kill ${k}`, body: `Campaign ${k}`, audience: { customer_ids: audience.slice(from, from + size) } }, 10_000);
            if (c.status !== 201) return;
            const id = (c.body as { id: string }).id;
            const l = await api.call('POST', `/api/v1/projects/${pid}/campaigns/${id}/launch`, undefined, 10_000);
            if (l.status === 200) ledger.launches.set(id, (l.body as { launch_summary: { queued: number } }).launch_summary.queued);
          } catch {
            /* killed mid-launch: not acknowledged */
          }
        })();
        await sleep(upMs);
        await kill9(hub);
        stop = true;
        await Promise.all([...senders, launcher]);
        if (k % 20 === 0) opts.log(`kill ${k + 1}/${kills}: ${ledger.messages.size} messages and ${ledger.launches.size} launches acknowledged so far`);
        t0 = performance.now();
        hub = await startSlot(slot);
        startTimes.push(performance.now() - t0);
      }

      // Drain: every acknowledged message settled, the sandbox with no report or retry left to send, every stored report processed.
      opts.log(`${kills} kills done; draining`);
      const deadline = Date.now() + drainMs;
      let store = readStore(hub.dbPath);
      let drainedBy = 'the time limit';
      for (;;) {
        await sleep(200);
        const quiet = await record.idle(1000);
        // The store is read between two looks at the sandbox's reports: a report it sent after
        // the idle check and the hub acknowledged after this read would otherwise be checked
        // against a store that predates it (a CI run failed so).
        await record.refresh();
        const reportsBefore = record.reports.length;
        store = readStore(hub.dbPath);
        await record.refresh();
        const open = [...ledger.messages].filter((id) => {
          const m = store.messages.get(id);
          return !m || !settled(m);
        }).length;
        if (open === 0 && store.unprocessed === 0 && quiet && record.reports.length === reportsBefore) {
          drainedBy = 'quiet (sandbox idle, nothing unsettled or unprocessed)';
          break;
        }
        if (Date.now() > deadline) break;
      }
      await record.refresh();
      const acked = record.acknowledged();
      const check = checkPromises(store, ledger, acked, await record.batchesPerMessage());
      const notes = [
        `hub up ${Math.round(Math.min(...upTimes))}–${Math.round(Math.max(...upTimes))} ms between kills; a restart took ${Math.round(Math.min(...startTimes))}–${Math.round(Math.max(...startTimes))} ms (tsx loader included)`,
        `${sendsTried.toLocaleString('en-US')} sends attempted, ${launchesTried} launches attempted; the rest were cut by a kill and never acknowledged`,
        `drain ended by ${drainedBy}; after it: ${check.stillRetrying} acknowledged message(s) still queued for a retry with a reason, ${check.awaitingReports} taken by the provider and waiting for reports the sandbox had not got through, ${store.unprocessed} stored report(s) unprocessed`,
        `hub timings: ${JSON.stringify(QUICK_HUB.dispatcher?.backoff)} (unknown outcomes are looked up after 2 s instead of 30 s)`,
      ];
      return {
        counts: {
          kills,
          'messages acknowledged': ledger.messages.size,
          'launches acknowledged': ledger.launches.size,
          'campaign messages': [...ledger.launches.values()].reduce((a, b) => a + b, 0),
          'reports acknowledged': check.reportsAcknowledged,
          'report attempts': record.reports.length,
          events: store.eventCount,
          'sent twice (marked)': check.duplicatesSent,
        },
        failures: check.failures,
        notes,
      };
    } finally {
      if (hub) await kill9(hub).catch(() => {});
      await sandbox.stop().catch(() => {});
    }
  },
};
