// GET …/messages: the message log an operator searches when something is stuck, newest first,
// with filters and a cursor, against a real hub and the Sinch SMS sandbox (its test numbers:
// 0100 delivered, 0002 failed, 0007 accepted and never reported, 0009 answers 500 every time so the
// message keeps retrying).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sinchWorld, type SinchWorld } from './fixtures.js';
import { eventually } from './helpers.js';

describe('the message log', () => {
  let w: SinchWorld;
  const ids: Record<string, string> = {};
  let startedAt: string;

  before(async () => {
    // A long backoff keeps the message that met a 500 queued (not being retried) while the tests look.
    w = await sinchWorld({ hub: { dispatcher: { backoff: { baseMs: 60_000, maxMs: 60_000, factor: 2, unconfirmedWaitMs: 200 } } } });
    startedAt = new Date().toISOString();
    const customer = await w.t.api.post(`/api/v1/projects/${w.projectId}/customers`, { customer_id: 'ada', phone: '+12025550007' });
    assert.equal(customer.status, 201, JSON.stringify(customer.body));
    const sends: [string, Record<string, unknown>][] = [
      ['delivered', { phone: '+12025550100', body: 'one' }],
      ['failed', { phone: '+12025550002', body: 'two' }],
      ['retrying', { phone: '+12025550009', body: 'three' }],
      ['ada', { customer_id: 'ada', body: 'four' }],
    ];
    for (const [name, body] of sends) {
      const res = await w.t.api.post(`/api/v1/projects/${w.projectId}/messages`, body);
      assert.equal(res.status, 202, JSON.stringify(res.body));
      ids[name] = res.body.id as string;
    }
    await eventually(async () => {
      const m = await w.t.api.get(`/api/v1/projects/${w.projectId}/messages/${ids.failed}`);
      const r = await w.t.api.get(`/api/v1/projects/${w.projectId}/messages/${ids.retrying}`);
      const d = await w.t.api.get(`/api/v1/projects/${w.projectId}/messages/${ids.delivered}`);
      const a = await w.t.api.get(`/api/v1/projects/${w.projectId}/messages/${ids.ada}`);
      return m.body.status === 'failed' && r.body.last_error && d.body.status === 'delivered' && a.body.status === 'enqueued' ? true : undefined;
    }, 15_000, 'reports and a retry');
  });
  after(() => w.close());

  const list = (query = '') => w.t.api.get(`/api/v1/projects/${w.projectId}/messages${query}`);

  test('newest first, each message as its own view shows it, without events and attempts', async () => {
    const res = await list();
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.data.map((m: any) => m.id), [ids.ada, ids.retrying, ids.failed, ids.delivered]);
    const one = await w.t.api.get(`/api/v1/projects/${w.projectId}/messages/${ids.failed}`);
    const { events: _events, send_attempts: _attempts, ...withoutEvents } = one.body;
    assert.deepEqual(res.body.data[2], withoutEvents);
    assert.equal(res.body.next_cursor, null);
  });

  test('a cursor walks every message once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await list(`?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(res.status, 200);
      seen.push(...res.body.data.map((m: any) => m.id));
      cursor = res.body.next_cursor;
    } while (cursor);
    assert.deepEqual(seen, [ids.ada, ids.retrying, ids.failed, ids.delivered]);
  });

  test('filters: status, dispatch state, customer, recipient, channel, integration, time, duplicates', async () => {
    const only = async (query: string) => (await list(query)).body.data.map((m: any) => m.id);
    assert.deepEqual(await only('?status=failed'), [ids.failed]);
    assert.deepEqual(await only('?status=delivered'), [ids.delivered]);
    assert.deepEqual(await only('?status=enqueued'), [ids.ada]);
    // A message retrying after a 500 is still queued, and says why.
    const retrying = await list('?status=queued&dispatch_state=queued');
    assert.deepEqual(retrying.body.data.map((m: any) => m.id), [ids.retrying]);
    assert.equal(retrying.body.data[0].last_error.status_code, 500);
    assert.ok(retrying.body.data[0].attempts >= 1);
    assert.deepEqual(await only('?customer_id=ada'), [ids.ada]);
    assert.deepEqual(await only('?customer_id=nobody'), []);
    assert.deepEqual(await only(`?recipient=${encodeURIComponent('+1 (202) 555-0100')}`), [ids.delivered]);
    assert.equal((await only('?channel=sms')).length, 4);
    assert.deepEqual(await only('?channel=whatsapp'), []);
    assert.equal((await only(`?integration_id=${w.integrationId}`)).length, 4);
    assert.deepEqual(await only('?integration_id=int_other'), []);
    assert.equal((await only(`?created_from=${encodeURIComponent(startedAt)}`)).length, 4);
    assert.deepEqual(await only(`?created_to=${encodeURIComponent(startedAt)}`), []);
    assert.deepEqual(await only('?possible_duplicate=true'), []);
    assert.equal((await only('?possible_duplicate=false')).length, 4);
    // The refusal spelling is per channel: enqueued_failed is the WhatsApp/RCS one.
    assert.deepEqual(await only('?status=enqueued_failed'), []);
  });

  test('bad filters are a 400 naming the parameter', async () => {
    for (const [query, field] of [
      ['?status=lost', 'status'],
      ['?cursor=42', 'cursor'],
      ['?created_from=yesterday', 'created_from'],
      ['?recipient=12', 'recipient'],
      ['?possible_duplicate=yes', 'possible_duplicate'],
    ] as const) {
      const res = await list(query);
      assert.equal(res.status, 400, `${query}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.field, field, query);
    }
  });

  test("another project's messages are not listed, and its key cannot list these", async () => {
    const other = await w.t.api.post('/api/v1/projects', { name: 'Other' });
    const mine = await w.t.api.get(`/api/v1/projects/${other.body.id}/messages`);
    assert.deepEqual(mine.body.data, []);
    const key = await w.t.api.post(`/api/v1/projects/${other.body.id}/api-keys`, { name: 'other' });
    const res = await w.t.api.call('GET', `/api/v1/projects/${w.projectId}/messages`, undefined, { authorization: `Bearer ${key.body.key}` });
    assert.ok(res.status === 403 || res.status === 404, String(res.status));
  });
});
