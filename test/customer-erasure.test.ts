// Erasing a customer end to end: a delivered message with a tracked link, consent, a message
// still queued. After DELETE nothing left names them, the queued message never goes out, and
// the events stay for statistics under an opaque token. Also exports of events and messages.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { messageEvents, sinchWorld, type SinchWorld } from './fixtures.js';

let w: SinchWorld;
before(async () => {
  w = await sinchWorld();
  await w.t.api.put(`/api/v1/projects/${w.projectId}/settings`, { link_tracking: true });
});
after(() => w.close());
const path = (p: string) => `/api/v1/projects/${w.projectId}${p}`;

test('exports stream events and messages as CSV or NDJSON with the list filters', async () => {
  await w.t.api.post(path('/customers'), { customer_id: 'x1', phone: '+12025550171' });
  const sent = await w.t.api.post(path('/messages'), { customer_id: 'x1', body: 'Hello, "quoted", x1' });
  assert.equal(sent.status, 202);
  await messageEvents(w, sent.body.id, (e) => e.some((x) => x.properties.status === 'delivered'));
  const csv = await w.t.api.get(path('/exports/messages?format=csv&customer_id=x1'));
  assert.equal(csv.status, 200);
  assert.match(String(csv.headers['content-type']), /^text\/csv/);
  assert.match(String(csv.headers['content-disposition']), /attachment; filename="messages-.*\.csv"/);
  const rows = String(csv.body).trim().split('\n');
  assert.equal(rows.length, 2);
  assert.ok(rows[0]!.startsWith('id,created_at,'));
  assert.ok(rows[1]!.includes('"Hello, ""quoted"", x1"'));
  const nd = await w.t.api.get(path('/exports/events?format=ndjson&customer_id=x1'));
  assert.equal(nd.headers['content-type'], 'application/x-ndjson');
  const events = String(nd.body).trim().split('\n').map((l) => JSON.parse(l) as { customer_id: string; properties: { status: string } });
  assert.ok(events.length >= 2 && events.every((e) => e.customer_id === 'x1'));
  const evCsv = await w.t.api.get(path(`/exports/events?message_id=${sent.body.id}&status=delivered`));
  const lines = String(evCsv.body).trim().split('\n');
  assert.equal(lines[0], 'id,name,customer_id,timestamp,properties');
  assert.equal(lines.length, 2);
  // A body a spreadsheet would run as a formula is exported as text; the phone number stays a number.
  await w.t.api.post(path('/customers'), { customer_id: 'x2', phone: '+12025550172' });
  assert.equal((await w.t.api.post(path('/messages'), { customer_id: 'x2', body: '=IMPORTXML(CONCAT(A1,B1),"//a")' })).status, 202);
  const formula = String((await w.t.api.get(path('/exports/messages?format=csv&customer_id=x2'))).body).trim().split('\n')[1]!;
  assert.ok(formula.includes(`"'=IMPORTXML(CONCAT(A1,B1),""//a"")"`), formula);
  assert.ok(formula.includes(',+12025550172,'), formula);
  const bad = await w.t.api.get(path('/exports/messages?recipient=12'));
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.field, 'recipient');
  assert.equal((await w.t.api.get(path('/exports/messages?created_from=yesterday'))).body.error.field, 'created_from');
  assert.equal((await w.t.api.get(path('/exports/events?format=xml'))).status, 400);
});

test('DELETE erases the customer everywhere and cancels what was queued for them', async () => {
  const phone = '+12025550181';
  await w.t.api.post(path('/customers'), { customer_id: 'erase-me', phone, attributes: { name: 'Ann' } });
  const sent = await w.t.api.post(path('/messages'), { customer_id: 'erase-me', body: 'Your order: https://shop.example.com/o/123' });
  assert.equal(sent.status, 202);
  await messageEvents(w, sent.body.id, (e) => e.some((x) => x.properties.status === 'delivered'));
  const body = w.sandbox.batches.find((b) => b.batch.client_reference === sent.body.id)!.batch.body;
  const code = new RegExp(`${w.t.url}/l/([A-Za-z0-9]+)`).exec(body)![1]!;
  await w.t.api.post(path('/customers/erase-me/consent'), { channel: 'whatsapp', opted_out: true });

  // A draft campaign lists the customer (and someone else) by id.
  await w.t.api.post(path('/customers'), { customer_id: 'keep-me', phone: '+12025550182' });
  const draft = await w.t.api.post(path('/campaigns'), { name: 'Lists them', body: 'Hi', audience: { customer_ids: ['erase-me', 'keep-me'] } });
  assert.equal(draft.status, 201);

  // Stopped dispatch: the next send stays queued, as one due later would.
  await w.t.hub.dispatcher.stop();
  const queued = await w.t.api.post(path('/messages'), { customer_id: 'erase-me', body: 'Still queued' });
  assert.equal(queued.status, 202);

  assert.equal((await w.t.api.delete(path('/customers/erase-me'))).status, 204);
  assert.equal((await w.t.api.delete(path('/customers/erase-me'))).status, 404);

  for (const id of [sent.body.id, queued.body.id]) {
    const m = (await w.t.api.get(path(`/messages/${id}`))).body;
    assert.equal(m.recipient, '');
    assert.equal(m.body, '');
    assert.match(m.customer_id, /^erased_[0-9a-f]{24}$/);
    for (const e of m.events) {
      assert.equal(e.customer_id, m.customer_id);
      assert.equal(e.properties.recipient, undefined);
      assert.equal(e.properties.erased, true);
    }
  }
  assert.equal((await w.t.api.get(path(`/messages/${queued.body.id}`))).body.dispatch_state, 'cancelled');
  assert.equal((await w.t.api.get(`/l/${code}`)).status, 404);
  // Nothing in the store holds the phone number or the name any more.
  const db = w.t.hub.db;
  for (const [table, column] of [['messages', 'recipient'], ['events', 'properties'], ['customers', 'phone'], ['direct_deliveries', 'recipient']] as const) {
    const rows = await db.selectFrom(table).select(column).where(column, 'like', `%${phone}%`).execute();
    assert.equal(rows.length, 0, `${table}.${column}`);
  }
  assert.equal((await db.selectFrom('consents').selectAll().execute()).length, 0);
  assert.equal((await db.selectFrom('consent_log').selectAll().execute()).length, 0);
  assert.equal((await w.t.api.get(path('/events?customer_id=erase-me'))).body.data.length, 0);
  // Audience lists forget the id; others on them stay.
  const listed = await db.selectFrom('campaign_audience').select('customer_id').where('campaign_id', '=', draft.body.id).execute();
  assert.deepEqual(listed.map((r) => r.customer_id), ['keep-me']);
  // A new profile with the same id starts from nothing.
  const again = await w.t.api.post(path('/customers'), { customer_id: 'erase-me' });
  assert.equal(again.status, 201);
  assert.deepEqual(again.body.attributes, {});
  await w.t.hub.dispatcher.start();
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(!w.sandbox.batches.some((b) => b.batch.client_reference === queued.body.id));
});
