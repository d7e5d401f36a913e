// A campaign's funnel and per-minute series, end to end: the Sinch SMS sandbox delivers, fails,
// rejects or stays silent per test number, a tracked link is clicked, and the stats say so.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { eventually } from './helpers.js';
import { sinchWorld, type SinchWorld } from './fixtures.js';

const BROWSER = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36';
const us = (suffix: string) => `+1415555${suffix}`;

describe('campaign funnel and series', () => {
  let w: SinchWorld;
  before(async () => {
    w = await sinchWorld();
  });
  after(async () => {
    await w.close();
  });
  const path = (p: string) => `/api/v1/projects/${w.projectId}${p}`;

  test('the funnel counts each stage a message reached, with rates, failures by code and a continuous series', async () => {
    // 0100 and 0001 delivered, 0002 failed (150), 0003 rejected (61); a German number is accepted
    // and never reported (a country without delivery reports).
    const recipients: [string, string][] = [['c-d1', '0100'], ['c-d2', '0001'], ['c-f', '0002'], ['c-r', '0003'], ['c-s', 'DE']];
    for (const [id, suffix] of recipients) await w.t.api.post(path('/customers'), { customer_id: id, phone: suffix === 'DE' ? '+4915123450100' : us(suffix) });
    await w.t.api.post(path('/customers'), { customer_id: 'c-nophone' });
    const created = await w.t.api.post(path('/campaigns'), {
      name: 'Funnel',
      body: 'Winter sale https://shop.example.com/winter',
      track_links: true,
      audience: { customer_ids: [...recipients.map(([id]) => id), 'c-nophone', 'c-unknown'] },
    });
    assert.equal(created.status, 201);
    const cid = created.body.id as string;
    const launched = await w.t.api.post(path(`/campaigns/${cid}/launch`));
    assert.equal(launched.status, 200);

    const settled = await eventually(async () => {
      const s = await w.t.api.get(path(`/campaigns/${cid}/stats`));
      const f = s.body.funnel;
      return f.delivered === 2 && f.failed === 1 && f.rejected === 1 && f.accepted === 5 ? s.body : undefined;
    });
    // Open the link of the first delivered customer's message, twice: one clicked message.
    const message = await w.t.hub.db.selectFrom('messages').select('id').where('campaign_id', '=', cid).where('recipient', '=', us('0100')).executeTakeFirstOrThrow();
    const body = w.sandbox.batches.find((b) => b.batch.client_reference === message.id)!.batch.body;
    const code = new RegExp(`${w.t.url}/l/([A-Za-z0-9]+)`).exec(body)![1]!;
    for (let i = 0; i < 2; i++) await (await request(`${w.t.url}/l/${code}`, { headers: { 'user-agent': BROWSER } })).body.dump();
    const stats = await eventually(async () => {
      const s = await w.t.api.get(path(`/campaigns/${cid}/stats`));
      return s.body.funnel.clicked === 1 ? s.body : undefined;
    });
    assert.ok(settled);

    assert.deepEqual(stats.skipped_by_reason, { unknown_customer: 1, no_phone: 1, opted_out: 0, missing_variable: 0, render_error: 0, frequency_cap: 0 });
    const { rates, ...counts } = stats.funnel;
    assert.deepEqual(counts, {
      audience: 7,
      skipped: 2,
      messages: 5,
      waiting: 0,
      cancelled: 0,
      accepted: 5,
      sent: 4, // the four that had a Dispatched report; the German one never reported
      delivered: 2,
      read: 0,
      clicked: 1,
      failed: 1,
      rejected: 1,
      refused_status: 'enqueue_failed',
      refused: 0,
    });
    assert.deepEqual(rates, {
      accepted: 1,
      delivered: 0.5, // 2 of the 4 accepted where reports come
      read: null, // SMS has no read reports
      clicked: 0.2,
      failed: 0.2,
      rejected: 0.2,
      refused: 0,
    });
    assert.deepEqual(
      stats.failures.map((f: any) => [f.status, f.status_code, f.n]).sort(),
      [['failed', 150, 1], ['rejected', 61, 1]],
    );

    const series = await w.t.api.get(path(`/campaigns/${cid}/stats/series`));
    assert.equal(series.status, 200);
    assert.deepEqual(series.body.statuses, ['enqueued', 'sent', 'delivered', 'clicked', 'enqueue_failed', 'failed', 'rejected']);
    const total = (s: string) => series.body.points.reduce((n: number, p: any) => n + p.counts[s], 0);
    assert.deepEqual(Object.fromEntries(series.body.statuses.map((s: string) => [s, total(s)])), {
      enqueued: 5, sent: 4, delivered: 2, clicked: 2, enqueue_failed: 0, failed: 1, rejected: 1,
    });
    // One point per minute from the launch's minute to the current one, in order.
    const minutes = series.body.points.map((p: any) => Date.parse(p.minute));
    assert.ok(minutes.length >= 1);
    minutes.forEach((m: number, i: number) => i > 0 && assert.equal(m - minutes[i - 1], 60_000));
    assert.equal(minutes[0] % 60_000, 0);
  });

  test('a series range is checked: from before to, at most a day, dates that parse', async () => {
    await w.t.api.post(path('/customers'), { customer_id: 's-1', phone: us('0100') });
    const created = await w.t.api.post(path('/campaigns'), { name: 'Range', body: 'Hello', audience: { customer_ids: ['s-1'] } });
    const series = (q: string) => w.t.api.get(path(`/campaigns/${created.body.id}/stats/series${q}`));
    const draft = await series('');
    assert.equal(draft.status, 200);
    assert.ok(draft.body.points.every((p: any) => Object.values(p.counts).every((n) => n === 0)));
    const cases: [string, string][] = [
      ['?from=2026-12-04T10:00:00Z&to=2026-12-04T09:00:00Z', 'from'],
      ['?from=2026-12-01T00:00:00Z&to=2026-12-04T00:00:00Z', 'to'],
      ['?from=yesterday', 'from'],
      ['?to=12', 'to'],
    ];
    for (const [q, field] of cases) {
      const res = await series(q);
      assert.equal(res.status, 400, q);
      assert.equal(res.body.error.field, field, q);
    }
    const day = await series('?from=2026-12-03T10:00:30Z&to=2026-12-04T10:00:00Z');
    assert.equal(day.status, 200);
    assert.equal(day.body.points.length, 1440);
    assert.equal(day.body.from, '2026-12-03T10:00:00.000Z');
    const unknown = await w.t.api.get(path('/campaigns/cmp_nope/stats/series'));
    assert.equal(unknown.status, 404);
  });
});
