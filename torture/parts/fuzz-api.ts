// fuzz-api: property-based fuzzing (fast-check) of every operation in the hub's own OpenAPI
// document and of every public endpoint, against a real hub. Promises checked: no answer ≥ 500,
// every 4xx in the error shape with a code, nothing stored by a request that was refused, and a
// hub that still answers (and has processed every callback it stored) at the end.
import fc from 'fast-check';
import type { PartOptions, PartResult, TorturePart } from '../types.js';
import type { JsonSchema } from '../lib/fuzz-schema.js';
import { fuzzRequest, operationsOf, type FuzzRequest, type Targets } from '../lib/fuzz-requests.js';
import { contractBreach, excerpt, FailureBook, forEachConcurrent, send } from '../lib/inputs-http.js';
import { drained, openInputsWorld, pathOf } from '../lib/inputs-world.js';
import { sizeFromEnv } from '../lib/inputs-sizes.js';

/** Tables whose rows come from API requests; a refused request's marker must be in none of them. */
const WRITTEN_TABLES = ['projects', 'api_keys', 'integrations', 'customers', 'campaigns', 'messages', 'events', 'sender_profiles', 'consents', 'consent_log', 'links'];

const CHUNK = 500;
const CONCURRENCY = 12;

export const fuzzApi: TorturePart = {
  name: 'fuzz-api',
  description:
    'Sends generated requests (valid-ish and hostile bodies, paths, queries, headers) to every operation of the OpenAPI document and every public endpoint of a real hub; expects no 5xx, every 4xx in the error shape, nothing stored by a refused request, and a hub that still answers',
  async run(opts: PartOptions): Promise<PartResult> {
    const total = sizeFromEnv('TORTURE_FUZZ_INPUTS', opts.smoke ? 1_000 : 100_000);
    const w = await openInputsWorld(opts.workDir, { connections: CONCURRENCY });
    const failures = new FailureBook();
    const counts: Record<string, number> = {};
    const bump = (k: string, n = 1) => (counts[k] = (counts[k] ?? 0) + n);
    const notes: string[] = [];
    try {
      const doc = (await w.admin.get('/api/v1/openapi.json')).body as { paths: Record<string, Record<string, any>>; components?: { schemas?: Record<string, JsonSchema> } };
      const ops = operationsOf(doc);
      const components = doc.components?.schemas ?? {};
      opts.log(`${ops.length} operations in the OpenAPI document; ${total.toLocaleString('en-US')} inputs`);

      const targets = await targetsOf(w);
      const arb = fuzzRequest(ops, targets, components);
      /** Markers of requests that were refused: none may be stored. */
      const refusedMarkers = new Map<string, string>();
      const statusClass: Record<string, number> = {};
      const t0 = performance.now();
      let done = 0;
      for (let start = 0; start < total; start += CHUNK) {
        const n = Math.min(CHUNK, total - start);
        const batch = fc.sample(arb, { seed: opts.seed + start, numRuns: n });
        await forEachConcurrent(batch, CONCURRENCY, async (req) => {
          const key = `inputs (${req.surface})`;
          bump(key);
          let answer;
          try {
            answer = await send(w.pool, req);
          } catch (err) {
            failures.add(`${req.route}: no answer (${(err as Error).message})`, describe(req));
            return;
          }
          const cls = `${Math.floor(answer.status / 100)}xx`;
          statusClass[cls] = (statusClass[cls] ?? 0) + 1;
          const breach = contractBreach(req.method, answer);
          if (breach) failures.add(`${req.route} ${breach}`, `${describe(req)} → ${answer.status} ${answer.text.slice(0, 200)}`);
          if (req.marker && answer.status >= 400) refusedMarkers.set(req.marker, `${describe(req)} → ${answer.status}`);
        });
        done += n;
        if (done % 10_000 < CHUNK || done === total) opts.log(`${done.toLocaleString('en-US')} inputs, ${(done / ((performance.now() - t0) / 1000)).toFixed(0)}/s`);
      }
      const seconds = (performance.now() - t0) / 1000;
      bump('inputs', done);
      for (const [cls, n] of Object.entries(statusClass).sort()) counts[`answers ${cls}`] = n;
      counts['operations covered'] = ops.length;
      notes.push(`${(done / seconds).toFixed(0)} inputs/s over ${CONCURRENCY} keep-alive connections (${seconds.toFixed(0)} s).`);

      // Every callback the fuzzer got stored must be processed: a poison body may fail, never stall.
      try {
        await drained(w);
      } catch (err) {
        failures.add('callback processor stalled', (err as Error).message);
      }
      // Still alive and ready.
      const health = await send(w.pool, { method: 'GET', path: '/healthz', headers: {} });
      const ready = await send(w.pool, { method: 'GET', path: '/readyz', headers: {} });
      if (health.status !== 200) failures.add('hub no longer healthy', `/healthz → ${health.status} ${health.text}`);
      if (ready.status !== 200) failures.add('hub no longer ready', `/readyz → ${ready.status} ${ready.text}`);

      // Refused requests left nothing behind.
      counts['refused requests with a marker'] = refusedMarkers.size;
      for (const table of WRITTEN_TABLES) {
        for (const row of w.query(`SELECT * FROM ${table}`)) {
          const text = JSON.stringify(row, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('utf8') : v));
          for (const m of text.matchAll(/mk[0-9a-z]+q[0-9a-z]+k/g)) {
            const refused = refusedMarkers.get(m[0]);
            if (refused) failures.add(`half-written record in ${table}`, `${refused}; row ${text.slice(0, 200)}`);
          }
        }
      }
      const stored = w.query<{ n: number }>('SELECT COUNT(*) AS n FROM callbacks')[0]?.n ?? 0;
      counts['callbacks stored and processed'] = stored;
    } finally {
      await w.close();
    }
    return { counts, failures: failures.lines(), notes };
  },
};

function describe(req: FuzzRequest): string {
  const auth = req.headers['authorization'] ? ` auth=${req.headers['authorization'].slice(0, 20)}` : '';
  const ct = req.headers['content-type'] ? ` content-type=${JSON.stringify(req.headers['content-type'])}` : '';
  return `${req.method} ${req.path.length > 200 ? req.path.slice(0, 200) + '…' : req.path}${ct}${auth} body=${excerpt(req.body)}`;
}

async function targetsOf(w: Awaited<ReturnType<typeof openInputsWorld>>): Promise<Targets> {
  const pid = w.projectId;
  const admin = w.admin;
  // A few real records of every kind, so generated paths name things that exist.
  const customer = await admin.post(`/api/v1/projects/${pid}/customers`, { customer_id: 'fuzz-customer', phone: '+46700000001' });
  const message = await admin.post(`/api/v1/projects/${pid}/messages`, { customer_id: 'fuzz-customer', channel: 'sms', body: 'hello https://example.com/x', track_links: true });
  const campaign = await admin.post(`/api/v1/projects/${pid}/campaigns`, { name: 'fuzz', channel: 'sms', body: 'hi', audience: { customer_ids: ['fuzz-customer'] } });
  const profiles = await admin.get(`/api/v1/projects/${pid}/sender-profiles`);
  // Spare records for DELETE operations to remove.
  const spareKeys = await Promise.all([1, 2, 3].map((n) => admin.post(`/api/v1/projects/${pid}/api-keys`, { name: `spare ${n}` })));
  const spareIntegrations = await Promise.all(
    [1, 2].map((n) => admin.post(`/api/v1/projects/${pid}/integrations`, { provider: 'sinch_sms', name: `spare ${n}`, config: { service_plan_id: `spare${n}`, region: 'us' }, secrets: { api_token: 'x' } })),
  );
  const spareProfiles = await Promise.all([1, 2, 3].map(() => admin.post(`/api/v1/projects/${pid}/sender-profiles`, { channel: 'sms', integration_id: w.sinchUnsigned.id, sender: 'Spare' })));
  const spareCustomer = await admin.post(`/api/v1/projects/${pid}/customers`, { customer_id: 'fuzz-spare', phone: '+46700000002' });
  const ids = (r: { status: number; body: any }, f = 'id') => (r.status < 300 && r.body?.[f] ? [String(r.body[f])] : []);
  return {
    ids: {
      pid: [pid, w.otherProjectId],
      iid: [w.sinchSigned.id, w.sinchUnsigned.id, w.twilio.id, w.conversation.id],
      sid: (profiles.body?.data ?? []).map((p: { id: string }) => p.id),
      customer_id: ids(customer, 'customer_id'),
      mid: ids(message),
      cid: ids(campaign),
      // Never the fuzzer's own project key: revoking it would turn the rest of the run into 401s.
      kid: [],
      channel: ['sms', 'mms', 'whatsapp', 'rcs'],
      'spare:kid': spareKeys.flatMap((r) => ids(r)),
      'spare:iid': spareIntegrations.flatMap((r) => ids(r)),
      'spare:sid': spareProfiles.flatMap((r) => ids(r)),
      'spare:customer_id': ids(spareCustomer, 'customer_id'),
      'spare:channel': ['sms', 'whatsapp', 'rcs'],
    },
    adminToken: w.t.adminToken,
    projectKey: w.projectKey,
    webhooks: [w.sinchSigned, w.sinchUnsigned, w.twilio, w.conversation].flatMap((i) => Object.values(i.webhookUrls).map((url) => ({ provider: i.provider, path: pathOf(url), secret: i.secret }))),
    ingest: [
      { path: w.ingestSignedPath, secret: 'torture-ingest-signing-secret' },
      { path: w.ingestUnsignedPath, secret: null },
    ],
    publicUrl: w.url,
  };
}
