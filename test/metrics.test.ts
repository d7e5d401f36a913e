// /metrics answers "is it healthy?": every family has its HELP; sends, retries, queue depth,
// webhooks and their refusals, receipt lag, events and HTTP routes are counted per integration,
// with no raw URL (ids, tokens) in any label; refused webhooks are logged at warn, throttled.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { sinchWorld, type SinchWorld } from './fixtures.js';
import { capturedLogger, eventually } from './helpers.js';

/** `name{labels} value` lines of the families whose name starts with `prefix`. */
function samples(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  const out: { labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!]));
    out.push({ labels, value: Number(m[3]) });
  }
  return out;
}

describe('/metrics', () => {
  let w: SinchWorld;
  const { logger, lines } = capturedLogger();
  const scrape = async () => String((await w.t.api.get('/metrics')).body);

  before(async () => {
    w = await sinchWorld({
      logger: logger,
      // A long backoff keeps the failing message queued as "retrying" while it is looked at.
      hub: { dispatcher: { backoff: { baseMs: 60_000, maxMs: 60_000, factor: 2, unconfirmedWaitMs: 200 } } },
    });
  });
  after(() => w.close());

  test('sends, retries, queue depth, webhooks, receipt lag and events, per integration', async () => {
    const ok = await w.t.api.post(`/api/v1/projects/${w.projectId}/messages`, { phone: '+12025550100', body: 'hello' });
    const failing = await w.t.api.post(`/api/v1/projects/${w.projectId}/messages`, { phone: '+12025550009', body: 'hello' });
    await eventually(async () => {
      const [a, b] = await Promise.all([ok, failing].map((m) => w.t.api.get(`/api/v1/projects/${w.projectId}/messages/${m.body.id}`)));
      return a!.body.status === 'delivered' && b!.body.last_error ? true : undefined;
    }, 15_000, 'delivered and retrying');
    const text = await eventually(async () => {
      const t = await scrape();
      return samples(t, 'switchboard_callbacks_processed_total').some((s) => s.value >= 2) ? t : undefined;
    }, 10_000, 'callbacks processed');
    const iid = w.integrationId;
    const one = (name: string, labels: Record<string, string>) =>
      samples(text, name).find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value ?? 0;

    assert.equal(one('switchboard_sends_total', { integration_id: iid, outcome: 'accepted' }), 1);
    assert.equal(one('switchboard_sends_total', { integration_id: iid, outcome: 'retry' }), 1);
    assert.equal(one('switchboard_send_retries_total', { integration_id: iid }), 1);
    assert.equal(one('switchboard_send_duration_seconds_count', { integration_id: iid }), 2);
    assert.equal(one('switchboard_queue_depth', { integration_id: iid, state: 'queued' }), 1);
    assert.equal(one('switchboard_queue_depth', { integration_id: iid, state: 'retrying' }), 1);
    assert.ok(one('switchboard_webhooks_received_total', { integration_id: iid, result: 'stored' }) >= 2);
    assert.ok(one('switchboard_receipt_lag_seconds_count', { integration_id: iid }) >= 2);
    assert.equal(one('switchboard_events_recorded_total', { name: 'campaign', status: 'enqueued' }), 1);
    assert.equal(one('switchboard_events_recorded_total', { name: 'campaign', status: 'delivered' }), 1);
    assert.ok(one('switchboard_process_cpu_user_seconds_total', {}) > 0, 'process metrics');
    assert.ok(samples(text, 'switchboard_nodejs_heap_size_used_bytes').length > 0, 'Node.js runtime metrics');
  });

  test('HTTP durations by route pattern, never by raw URL', async () => {
    const text = await scrape();
    const routes = new Set(samples(text, 'switchboard_http_request_duration_seconds_count').map((s) => s.labels.route));
    assert.ok(routes.has('/api/v1/projects/:pid/messages'), [...routes].join(', '));
    for (const r of routes) assert.doesNotMatch(r!, /prj_|msg_|int_/, 'no ids in route labels');
  });

  test('refused webhooks: counted by reason, logged at warn once per source and reason in a while', async () => {
    const bogus = `${w.t.url}/webhooks/int_made_up/not-a-token/delivery`;
    for (let i = 0; i < 3; i++) {
      const res = await request(bogus, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      assert.equal(res.statusCode, 404);
      await res.body.dump();
    }
    const url = w.integration.webhook_urls.delivery as string;
    const unsigned = await request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":"recipient_delivery_report_sms"}' });
    await unsigned.body.dump();
    const text = await scrape();
    const refusals = samples(text, 'switchboard_webhooks_refused_total');
    assert.equal(refusals.find((s) => s.labels.integration_id === 'unknown' && s.labels.reason === 'bad_token')?.value, 3);
    if (unsigned.statusCode === 403) assert.equal(refusals.find((s) => s.labels.integration_id === w.integrationId && s.labels.reason === 'bad_signature')?.value, 1);
    assert.ok(!refusals.some((s) => s.labels.integration_id === 'int_made_up'), 'a made-up id is never a label');
    const warned = lines.filter((l) => l.msg === 'webhook refused' && l.claimed_integration_id === 'int_made_up');
    assert.equal(warned.length, 1, 'three refusals in a moment: one line');
    assert.equal(warned[0]!.level, 40);
    assert.ok(!JSON.stringify(lines).includes('not-a-token'), 'the URL token is never logged');
  });

  test('every family has a HELP line', async () => {
    const text = await scrape();
    const typed = [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]);
    const helped = new Set([...text.matchAll(/^# HELP (\S+) /gm)].map((m) => m[1]));
    assert.ok(typed.length > 20);
    for (const name of typed) assert.ok(helped.has(name), `${name} has no HELP`);
  });
});
