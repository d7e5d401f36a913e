// slow-providers: a fault proxy (lib/fault-proxy.ts) between the hub and the Sinch SMS sandbox,
// one integration per fault, each with `send_timeout_ms` 2000, then checks the outcome
// docs/design.md promises for each ("Dispatching", "Unknown outcomes", "Guarantees").
import { pmap, sleep } from '../../bench/lib/util.js';
import type { RunningHub } from '../../bench/lib/world.js';
import { FaultProxy, type Fault } from '../lib/fault-proxy.js';
import { checkPromises, Ledger, readStore, SandboxRecord, type MessageRow } from '../lib/ledger.js';
import { createProject, hubSlot, kill9, plainNumber, QUICK_HUB, sinchIntegration, sinchSandbox, startSlot } from '../lib/world.js';
import type { PartOptions, PartResult, TorturePart } from '../types.js';

const SEND_TIMEOUT_MS = 2000;

interface Case {
  name: string;
  fault: Fault;
  /** Retry deadline of the integration, seconds. */
  deadline?: number;
  /** Checks one message once settled; returns a broken promise or null. */
  expect(m: MessageRow, posts: number, batches: number): string | null;
}

const delivered = (m: MessageRow) => (m.status === 'delivered' ? null : `ended ${m.status}${m.last_error ? ` (${m.last_error})` : ''}, expected delivered`);

const CASES: Case[] = [
  {
    name: 'slow',
    fault: { kind: 'slow', delayMs: SEND_TIMEOUT_MS + 1500 },
    // The provider has it: found by a report or the lookup; if sent again, marked.
    expect: (m, posts, batches) =>
      delivered(m) ?? (batches > 1 && !m.possible_duplicate ? `reached the provider ${batches} times, not marked possible_duplicate` : m.attempts < posts ? `attempts ${m.attempts} < ${posts} sends` : null),
  },
  {
    name: 'hang',
    fault: { kind: 'hang', times: 1 },
    // The first send never arrived: the lookup finds nothing, the resend is counted and marked.
    expect: (m, posts, batches) =>
      delivered(m) ??
      (batches !== 1 ? `reached the provider ${batches} times, expected once` : !m.possible_duplicate ? 'resent after an unknown outcome without possible_duplicate' : m.attempts !== posts ? `attempts ${m.attempts}, ${posts} sends seen` : null),
  },
  {
    name: 'drop',
    fault: { kind: 'drop', times: 1 },
    // Forwarded, then the connection lost: the provider has it; the lookup must find it, not send it again unmarked.
    expect: (m, posts, batches) =>
      delivered(m) ?? (batches > 1 && !m.possible_duplicate ? `reached the provider ${batches} times, not marked possible_duplicate` : m.attempts < 1 ? 'no attempt counted' : null),
  },
  {
    name: '500',
    fault: { kind: 'status', status: 500, times: 2 },
    // Retried (the request never reached the provider), counted, not a duplicate.
    expect: (m, posts, batches) =>
      delivered(m) ?? (batches !== 1 ? `reached the provider ${batches} times` : m.possible_duplicate ? 'marked possible_duplicate after plain 5xx retries' : m.attempts !== posts ? `attempts ${m.attempts}, ${posts} sends seen` : null),
  },
  {
    name: '429',
    fault: { kind: 'status', status: 429, times: 2 },
    expect: (m, posts, batches) =>
      delivered(m) ?? (batches !== 1 ? `reached the provider ${batches} times` : m.possible_duplicate ? 'marked possible_duplicate after 429 retries' : m.attempts !== posts ? `attempts ${m.attempts}, ${posts} sends seen` : null),
  },
  {
    name: '500-forever',
    fault: { kind: 'status', status: 500, times: Number.MAX_SAFE_INTEGER },
    deadline: 4,
    // Retried until the integration's retry deadline, then refused with the last error.
    expect: (m, posts, batches) =>
      m.status !== 'refused' ? `ended ${m.status}, expected refused after the retry deadline` : batches !== 0 ? 'reached the provider' : !m.last_error ? 'refused without the last error' : posts < 2 ? `only ${posts} send(s): not retried` : null,
  },
];

export const slowProvidersPart: TorturePart = {
  name: 'slow-providers',
  description:
    'Puts a proxy between the hub and the Sinch SMS sandbox that answers after the send timeout, hangs, drops the connection after forwarding, or answers 500/429, and checks each documented outcome: no false failures, resends marked and counted, reports kept, 5xx/429 retried then final.',
  async run(opts: PartOptions): Promise<PartResult> {
    const perCase = Number(process.env.TORTURE_SLOW_MESSAGES ?? (opts.smoke ? 4 : 60));
    const settleMs = Number(process.env.TORTURE_SLOW_SETTLE_MS ?? (opts.smoke ? 25_000 : 120_000));
    const sandbox = await sinchSandbox({ id: 'torture', token: 'torture-token' }, { delays: { dispatchedMs: 500, finalMs: 1500 }, retryBaseMs: 500 });
    const record = new SandboxRecord(sandbox.info.controlUrl);
    const slot = await hubSlot(opts.workDir, { options: QUICK_HUB });
    const proxies: FaultProxy[] = [];
    let hub: RunningHub | null = null;
    try {
      hub = await startSlot(slot);
      const api = hub.api;
      const pid = await createProject(api, 'Torture slow providers');
      const ledger = new Ledger();
      const byCase = new Map<Case, { proxy: FaultProxy; ids: string[] }>();
      let phone = 0;
      for (const c of CASES) {
        const proxy = new FaultProxy(sandbox.info.url);
        proxy.fault = c.fault;
        proxies.push(proxy);
        await proxy.listen();
        const integration = await sinchIntegration(api, pid, {
          baseUrl: proxy.url,
          plan: 'torture',
          token: 'torture-token',
          name: `fault ${c.name}`,
          sendTimeoutMs: SEND_TIMEOUT_MS,
          retryDeadlineSeconds: c.deadline,
          makeDefault: false,
        });
        byCase.set(c, { proxy, ids: [] });
        const numbers = Array.from({ length: perCase }, () => plainNumber(phone++));
        await pmap(numbers, 8, async (to) => {
          const r = await api.must<{ id: string }>('POST', `/api/v1/projects/${pid}/messages`, { phone: to, body: `Fault ${c.name}`, integration_id: integration.id }, [202]);
          ledger.messages.add(r.id);
          byCase.get(c)!.ids.push(r.id);
        });
      }
      opts.log(`${ledger.messages.size} messages queued through ${CASES.length} faulty integrations; waiting for them to settle`);

      // Settled: every message final, its reports in, nothing left to process.
      const deadline = Date.now() + settleMs;
      let store = readStore(hub.dbPath);
      for (;;) {
        await sleep(1000);
        store = readStore(hub.dbPath);
        const open = [...ledger.messages].filter((id) => {
          const m = store.messages.get(id);
          return !m || !['delivered', 'refused', 'failed', 'rejected'].includes(m.status);
        });
        if ((open.length === 0 && store.unprocessed === 0) || Date.now() > deadline) break;
      }
      await sleep(500);
      store = readStore(hub.dbPath);
      await record.refresh();
      const sent = await record.batchesPerMessage();
      const check = checkPromises(store, ledger, record.acknowledged(), sent);
      const failures = [...check.failures];
      const counts: Record<string, number> = { messages: ledger.messages.size };
      const notes: string[] = [`send_timeout_ms ${SEND_TIMEOUT_MS}; hub timings ${JSON.stringify(QUICK_HUB.dispatcher?.backoff)}`];
      for (const [c, { proxy, ids }] of byCase) {
        let sends = 0;
        let resent = 0;
        for (const id of ids) {
          const m = store.messages.get(id);
          const posts = proxy.posts.get(id) ?? 0;
          sends += posts;
          if (!m) continue; // reported by checkPromises
          if (m.possible_duplicate) resent++;
          const broken = c.expect(m, posts, sent.get(id) ?? 0);
          if (broken) failures.push(`${c.name}: message ${id} ${broken} (attempts ${m.attempts}, sends seen ${posts}, batches ${sent.get(id) ?? 0})`);
        }
        counts[`${c.name} sends`] = sends;
        notes.push(`${c.name} (${JSON.stringify(c.fault).replace(String(Number.MAX_SAFE_INTEGER), 'every')}): ${ids.length} messages, ${sends} sends through the proxy, ${resent} marked possible_duplicate`);
      }
      counts['reports acknowledged'] = check.reportsAcknowledged;
      counts.events = store.eventCount;
      return { counts, failures, notes };
    } finally {
      if (hub) await kill9(hub).catch(() => {});
      for (const p of proxies) await p.close().catch(() => {});
      await sandbox.stop().catch(() => {});
    }
  },
};
