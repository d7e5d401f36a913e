// canary-secrets: every secret the hub is given is a unique canary; providers that echo the
// Authorization header and request body into their error texts, real sends, retries, refusals
// and signed delivery reports run through a hub at LOG_LEVEL=debug; then the SQLite files (the
// database, its -wal and -shm, left as a kill -9 leaves them) and every hub log are searched for
// each canary and its base64 forms (lib/canary-scan.ts). No hit is the promise.
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pmap, sleep } from '../../bench/lib/util.js';
import type { RunningHub } from '../../bench/lib/world.js';
import { filesIn, scanFiles, type Canary } from '../lib/canary-scan.js';
import { FaultProxy } from '../lib/fault-proxy.js';
import { readStore } from '../lib/ledger.js';
import { createProject, hubSlot, kill9, plainNumber, sinchIntegration, sinchSandbox, startSlot } from '../lib/world.js';
import type { PartOptions, PartResult, TorturePart } from '../types.js';

const canary = (what: string) => `canary${what}${randomBytes(12).toString('hex')}`;

export const canarySecretsPart: TorturePart = {
  name: 'canary-secrets',
  description:
    'Gives the hub unique canary secrets (admin token, encryption key, API tokens, webhook signing secret), has providers echo them into error texts, runs sends, retries, refusals and signed reports at LOG_LEVEL=debug, then searches the SQLite files and all hub logs for every canary and its base64 forms.',
  async run(opts: PartOptions): Promise<PartResult> {
    const perIntegration = Number(process.env.TORTURE_CANARY_MESSAGES ?? (opts.smoke ? 5 : 100));
    const c = {
      admin: canary('Admin'),
      key: randomBytes(32).toString('base64'),
      echo400: canary('EchoRefused'),
      echo500: canary('EchoRetried'),
      token: canary('Token'),
      signing: canary('Signing'),
    };
    const canaries: Canary[] = [
      { label: 'SWITCHBOARD_ADMIN_TOKEN', value: c.admin },
      { label: 'SWITCHBOARD_SECRET_KEY', value: c.key },
      { label: 'sinch api_token (provider echoes it, 400)', value: c.echo400 },
      { label: 'sinch api_token (provider echoes it, 500)', value: c.echo500 },
      { label: 'sinch api_token (working)', value: c.token },
      { label: 'sinch webhook_signing_secret', value: c.signing },
    ];
    // Positive controls, not secrets: one written into message bodies as is, one base64-encoded,
    // so a scanner that finds nothing at all is caught.
    const control = { raw: canary('ControlRaw'), b64: canary('ControlBase64') };
    const controlBody = `Canary run ${control.raw} ${Buffer.from(`x${control.b64}`).toString('base64')}`;
    const sandbox = await sinchSandbox({ id: 'canary', token: c.token, callbackSigningSecret: c.signing }, { delays: { dispatchedMs: 100, finalMs: 300 }, retryBaseMs: 300 });
    const slot = await hubSlot(opts.workDir, { adminToken: c.admin, env: { LOG_LEVEL: 'debug', SWITCHBOARD_SECRET_KEY: c.key } });
    const proxies: FaultProxy[] = [];
    let hub: RunningHub | null = null;
    try {
      hub = await startSlot(slot);
      const api = hub.api;
      const pid = await createProject(api, 'Torture canaries');
      const refusing = new FaultProxy(sandbox.info.url);
      refusing.fault = { kind: 'echo', status: 400 };
      const failing = new FaultProxy(sandbox.info.url);
      failing.fault = { kind: 'echo', status: 500 };
      proxies.push(refusing, failing);
      await refusing.listen();
      await failing.listen();
      const integrations = [
        await sinchIntegration(api, pid, { baseUrl: refusing.url, plan: 'canary', token: c.echo400, name: 'echoes, 400', makeDefault: false }),
        await sinchIntegration(api, pid, { baseUrl: failing.url, plan: 'canary', token: c.echo500, name: 'echoes, 500', retryDeadlineSeconds: 3, makeDefault: false }),
        await sinchIntegration(api, pid, { baseUrl: sandbox.info.url, plan: 'canary', token: c.token, signingSecret: c.signing, name: 'works, signed reports' }),
      ];
      // Delivered, failed and rejected reports on the working one (test numbers 0002, 0003), plain sends on the others.
      const jobs = integrations.flatMap((integration, n) =>
        Array.from({ length: perIntegration }, (_, i) => ({ integration: integration.id, to: n === 2 && i % 3 ? plainNumber(i).slice(0, -4) + (i % 3 === 1 ? '0002' : '0003') : plainNumber(n * 10_000 + i) })),
      );
      const ids = await pmap(jobs, 8, async (j) => (await api.must<{ id: string }>('POST', `/api/v1/projects/${pid}/messages`, { phone: j.to, body: controlBody, integration_id: j.integration }, [202])).id);
      // Reads that put messages, events and integrations through the API and its debug log.
      await api.must('GET', `/api/v1/projects/${pid}/integrations`, undefined, [200]);
      const deadline = Date.now() + (opts.smoke ? 15_000 : 60_000);
      for (;;) {
        await sleep(500);
        const store = readStore(hub.dbPath);
        const open = ids.filter((id) => !['delivered', 'failed', 'rejected', 'refused'].includes(store.messages.get(id)?.status ?? ''));
        if ((open.length === 0 && store.unprocessed === 0) || Date.now() > deadline) {
          if (open.length) opts.log(`${open.length} message(s) not final when the scan started`);
          break;
        }
      }
      for (const id of ids.slice(0, 20)) await api.must('GET', `/api/v1/projects/${pid}/messages/${id}`, undefined, [200]);
      await sleep(300);
      const store = readStore(hub.dbPath);
      await kill9(hub);
      hub = null;

      const dataFiles = filesIn(slot.dataDir);
      const logs = readdirSync(opts.workDir)
        .filter((f) => f.endsWith('.log'))
        .map((f) => join(opts.workDir, f));
      const hits = scanFiles([...dataFiles, ...logs], canaries);
      const controlHits = scanFiles(dataFiles, [
        { label: 'control', value: control.raw },
        { label: 'control', value: control.b64 },
      ]);
      const controlForms = new Set(controlHits.map((h) => h.form));
      const blind = !controlForms.has('raw') || ![...controlForms].some((f) => f.startsWith('base64')) ? ['the scanner missed the positive controls (a message body stored as is and base64-encoded): it would miss leaks too'] : [];
      const statuses: Record<string, number> = {};
      for (const id of ids) {
        const s = store.messages.get(id)?.status ?? 'missing';
        statuses[s] = (statuses[s] ?? 0) + 1;
      }
      const echoes = refusing.requests + failing.requests;
      return {
        counts: {
          canaries: canaries.length,
          messages: ids.length,
          'echoed errors': echoes,
          events: store.eventCount,
          'files scanned': dataFiles.length + logs.length,
          hits: hits.length,
        },
        failures: [...blind, ...hits.map((h) => `${h.label} found (${h.form}) in ${h.file.replace(opts.workDir, '<work>')} at byte ${h.offset}`)],
        notes: [
          `positive controls found ${controlHits.length} time(s) in the data files (${[...controlForms].join(', ')})`,
          `message outcomes: ${JSON.stringify(statuses)}`,
          `scanned: ${dataFiles.map((f) => f.replace(opts.workDir, '<work>')).join(', ')}, and ${logs.length} hub log(s) at LOG_LEVEL=debug`,
        ],
      };
    } finally {
      if (hub) await kill9(hub).catch(() => {});
      for (const p of proxies) await p.close().catch(() => {});
      await sandbox.stop().catch(() => {});
    }
  },
};
