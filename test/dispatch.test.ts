// The dispatcher against real HTTP servers: the rate limit holds in every one-second window and
// is used while there is a backlog, and one slow integration never delays another.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { messageEvents, sinchWorld, type SinchWorld } from './fixtures.js';
import { eventually } from './helpers.js';

describe('dispatch', () => {
  let w: SinchWorld;
  let stuck: Server;
  let stuckUrl: string;
  const held: (() => void)[] = [];

  before(async () => {
    w = await sinchWorld();
    // A provider that takes every request and answers none until released.
    stuck = createServer((req, res) => {
      req.resume();
      held.push(() => {
        res.writeHead(503).end();
      });
    });
    await new Promise<void>((r) => stuck.listen(0, '127.0.0.1', r));
    const addr = stuck.address();
    stuckUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  });
  after(async () => {
    for (const release of held) release();
    stuck.closeAllConnections();
    await new Promise((r) => stuck.close(r));
    await w.close();
  });

  test('never more parts than the limit in any one-second window, and at least 95% of it used', async () => {
    const limit = 20;
    const limited = await w.t.api.post(`/api/v1/projects/${w.projectId}/integrations`, {
      provider: 'sinch_sms',
      config: { service_plan_id: 'plan1', base_url: w.sandbox.url },
      secrets: { api_token: 'token-1' },
      rate_limit: limit,
    });
    // Mixed 1, 2 and 3 part messages (GSM-7: 160 / 306 / 459 characters).
    const lengths = [100, 200, 400];
    const sent = await Promise.all(
      Array.from({ length: 45 }, (_, i) =>
        w.t.api.post(`/api/v1/projects/${w.projectId}/messages`, {
          phone: `+1202555${String(1000 + i)}`,
          body: 'r'.repeat(lengths[i % 3]!),
          integration_id: limited.body.id,
        }),
      ),
    );
    const parts = new Map<string, number>(sent.map((s) => [s.body.id as string, s.body.parts as number]));
    assert.deepEqual([...new Set(parts.values())].sort(), [1, 2, 3]);
    await eventually(async () => {
      const n = w.sandbox.batches.filter((b) => parts.has(b.batch.client_reference ?? '')).length;
      return n === parts.size ? true : undefined;
    }, 30_000, 'all batches');
    const arrivals = w.sandbox.batches
      .filter((b) => parts.has(b.batch.client_reference ?? ''))
      .map((b) => ({ t: Date.parse(b.received.at), w: parts.get(b.batch.client_reference!)! }))
      .sort((a, b) => a.t - b.t);
    let max = 0;
    for (let i = 0, start = 0, sum = 0; i < arrivals.length; i++) {
      sum += arrivals[i]!.w;
      while (arrivals[i]!.t - arrivals[start]!.t >= 1000) sum -= arrivals[start++]!.w;
      max = Math.max(max, sum);
    }
    assert.ok(max <= limit, `${max} parts in one window, limit ${limit}`);
    const total = arrivals.reduce((a, b) => a + b.w, 0) - arrivals.at(-1)!.w;
    const seconds = (arrivals.at(-1)!.t - arrivals[0]!.t) / 1000;
    assert.ok(total / seconds >= limit * 0.95, `used ${(total / seconds).toFixed(2)} parts/s of ${limit}`);
  });

  test('a stuck integration does not delay another', async () => {
    const slow = await w.t.api.post(`/api/v1/projects/${w.projectId}/integrations`, {
      provider: 'sinch_sms',
      config: { service_plan_id: 'plan1', base_url: stuckUrl },
      secrets: { api_token: 'token-1' },
      max_concurrency: 2,
    });
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        w.t.api.post(`/api/v1/projects/${w.projectId}/messages`, { phone: `+1202555${2000 + i}`, body: 'stuck', integration_id: slow.body.id }),
      ),
    );
    await eventually(async () => (held.length >= 2 ? true : undefined), 5000, 'the stuck provider to hold requests');
    const started = Date.now();
    const fast = await Promise.all(
      Array.from({ length: 5 }, (_, i) => w.t.api.post(`/api/v1/projects/${w.projectId}/messages`, { phone: `+1202555${3000 + i}`, body: 'fast' })),
    );
    for (const f of fast) await messageEvents(w, f.body.id, (e) => e.length >= 1, 3000);
    assert.ok(Date.now() - started < 3000);
  });
});
