// Personalised campaigns and sends through the real hub and the Sinch SMS sandbox: each recipient
// gets the body rendered from their profile, with parts counted on what they get.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually } from './helpers.js';
import { messageEvents, sinchWorld, type SinchWorld } from './fixtures.js';

const LONG_NAME = 'Maximiliana'.repeat(14);

describe('personalisation end to end', () => {
  let w: SinchWorld;
  const path = (p: string) => `/api/v1/projects/${w.projectId}${p}`;
  before(async () => {
    w = await sinchWorld();
    const customers = [
      { customer_id: 'p-ada', phone: '+12025550401', attributes: { first_name: 'Ada', plan: 'pro' } },
      { customer_id: 'p-anon', phone: '+12025550402', attributes: { plan: 'free' } },
      { customer_id: 'p-long', phone: '+12025550403', attributes: { first_name: LONG_NAME } },
      { customer_id: 'p-zoe', phone: '+12025550404', attributes: { first_name: 'Zoë' } },
    ];
    for (const c of customers) assert.equal((await w.t.api.post(path('/customers'), c)).status, 201);
  });
  after(async () => {
    await w.close();
  });

  const sentBody = (messageId: string) => w.sandbox.batches.find((b) => b.batch.client_reference === messageId)?.request.body;

  async function launch(body: Record<string, unknown>) {
    const created = await w.t.api.post(path('/campaigns'), { name: 'Personal', ...body });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const launched = await w.t.api.post(path(`/campaigns/${created.body.id}/launch`));
    assert.equal(launched.status, 200);
    const messages = await w.t.api.get(path(`/messages?campaign_id=${created.body.id}`));
    return { id: created.body.id as string, summary: launched.body.launch_summary, messages: messages.body.data as any[] };
  }

  test('a campaign reaches each customer rendered from their profile, parts counted on the rendered text', async () => {
    const { messages, summary } = await launch({
      body: 'Hi {{ customer.first_name | default: "there" }}, your {{ customer.plan | default: "new" | upcase }} offer is ready.',
      audience: { customer_ids: ['p-ada', 'p-anon', 'p-long'] },
    });
    assert.equal(summary.queued, 3);
    const byCustomer = new Map(messages.map((m) => [m.customer_id, m]));
    const want: [string, string, number][] = [
      ['p-ada', 'Hi Ada, your PRO offer is ready.', 1],
      ['p-anon', 'Hi there, your FREE offer is ready.', 1],
      ['p-long', `Hi ${LONG_NAME}, your NEW offer is ready.`, 2],
    ];
    for (const [customer, body, parts] of want) {
      const m = byCustomer.get(customer);
      assert.ok(m, customer);
      assert.equal(m.body, body);
      assert.equal(m.parts, parts, customer);
      const events = await messageEvents(w, m.id, (e) => e.some((x) => x.properties.status === 'delivered'));
      assert.ok(events.every((e) => e.properties.number_of_message_parts === parts), `${customer}: events count the rendered parts`);
      assert.equal(sentBody(m.id), body, 'the sandbox got the rendered text');
    }
  });

  test('the skip policy leaves out customers missing a variable, and counts them by variable', async () => {
    const { id, messages, summary } = await launch({
      body: 'Hi {{ customer.first_name }}, {{ customer.plan | default: "our" }} news',
      missing_variable_policy: 'skip',
      audience: { customer_ids: ['p-ada', 'p-anon'] },
    });
    assert.equal(summary.queued, 1);
    assert.equal(summary.skipped_missing_variable, 1);
    assert.deepEqual(summary.missing_variables, { 'customer.first_name': 1 });
    assert.deepEqual(messages.map((m) => [m.customer_id, m.body]), [['p-ada', 'Hi Ada, pro news']]);
    const stats = await w.t.api.get(path(`/campaigns/${id}/stats`));
    assert.equal(stats.body.launch_summary.skipped_missing_variable, 1);
    assert.equal((await w.t.api.get(path(`/campaigns/${id}`))).body.missing_variable_policy, 'skip');
  });

  test('under the default policy a missing variable renders empty', async () => {
    const { messages, summary } = await launch({ body: 'Hi {{ customer.first_name }}!', audience: { customer_ids: ['p-anon'] } });
    assert.equal(summary.skipped_missing_variable, 0);
    assert.equal(messages[0].body, 'Hi !');
  });

  test('a recipient the body cannot be rendered for is skipped and counted', async () => {
    const { summary } = await launch({ body: '{{ customer.first_name | upcase }}{{ customer.first_name }}', audience: { customer_ids: ['p-anon', 'p-ada'] } });
    assert.equal(summary.queued, 1);
    assert.equal(summary.skipped_render_error, 1, 'an empty text is not sent');
  });

  test('a template syntax error is a 400 naming body and the position', async () => {
    const res = await w.t.api.post(path('/campaigns'), { name: 'Broken', body: 'Hi\n{% if customer.vip %}VIP', audience: { customer_ids: ['p-ada'] } });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.field, 'body');
    assert.match(res.body.error.message, /not closed.*line 2, column 1/);
    const policy = await w.t.api.post(path('/campaigns'), { name: 'x', body: 'x', missing_variable_policy: 'ignore', audience: { customer_ids: ['p-ada'] } });
    assert.equal(policy.status, 400);
  });

  test('preview renders for one customer without sending', async () => {
    const created = await w.t.api.post(path('/campaigns'), {
      name: 'Preview',
      body: 'Hi {{ customer.first_name }}, {{ customer.nickname }}: our sale starts today',
      audience: { customer_ids: ['p-zoe'] },
    });
    const preview = await w.t.api.post(path(`/campaigns/${created.body.id}/preview`), { customer_id: 'p-zoe' });
    assert.equal(preview.status, 200);
    assert.deepEqual(preview.body, { body: 'Hi Zoë, : our sale starts today', content: null, parts: 1, encoding: 'UCS-2', ucs2_characters: ['ë'], missing_variables: ['customer.nickname'] });
    const long = await w.t.api.post(path(`/campaigns/${created.body.id}/preview`), { customer_id: 'p-long' });
    assert.equal(long.body.parts, 2);
    assert.equal(long.body.encoding, 'GSM-7');
    const unknown = await w.t.api.post(path(`/campaigns/${created.body.id}/preview`), { customer_id: 'nobody' });
    assert.equal(unknown.status, 404);
    const messages = await w.t.api.get(path(`/messages?campaign_id=${created.body.id}`));
    assert.deepEqual(messages.body.data, []);
    assert.equal((await w.t.api.get(path(`/campaigns/${created.body.id}`))).body.state, 'draft');
  });

  test('a test send renders for a customer, reaches the test phone, and leaves the campaign alone', async () => {
    const created = await w.t.api.post(path('/campaigns'), { name: 'Test send', body: 'Hi {{ customer.first_name | default: "there" }}!', audience: { customer_ids: ['p-ada'] } });
    const cid = created.body.id as string;
    const sent = await w.t.api.post(path(`/campaigns/${cid}/test-send`), { phone: '+12025550499', customer_id: 'p-ada' });
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    assert.equal(sent.body.body, 'Hi Ada!');
    assert.equal(sent.body.recipient, '+12025550499');
    assert.equal(sent.body.campaign_id, null);
    await eventually(async () => sentBody(sent.body.id));
    assert.equal(sentBody(sent.body.id), 'Hi Ada!');
    const nobody = await w.t.api.post(path(`/campaigns/${cid}/test-send`), { phone: '+12025550499' });
    assert.equal(nobody.body.body, 'Hi there!');
    const stats = await w.t.api.get(path(`/campaigns/${cid}/stats`));
    assert.equal(stats.body.messages, 0);
    assert.equal(stats.body.state, 'draft');
    const unknown = await w.t.api.post(path(`/campaigns/${cid}/test-send`), { phone: '+12025550499', customer_id: 'nobody' });
    assert.equal(unknown.status, 404);
  });

  test('a transactional send renders its template against the customer and data', async () => {
    const res = await w.t.api.post(path('/messages'), { customer_id: 'p-ada', template: '{{ customer.first_name }}, your code is {{ data.code }}', data: { code: '482913' } });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.body, 'Ada, your code is 482913');
    await eventually(async () => sentBody(res.body.id));
    assert.equal(sentBody(res.body.id), 'Ada, your code is 482913');
    // A body is sent as written.
    const literal = await w.t.api.post(path('/messages'), { customer_id: 'p-ada', body: 'Use {{ braces }}' });
    assert.equal(literal.body.body, 'Use {{ braces }}');

    const both = await w.t.api.post(path('/messages'), { customer_id: 'p-ada', body: 'x', template: 'y' });
    assert.equal(both.status, 400);
    assert.equal(both.body.error.field, 'template');
    const broken = await w.t.api.post(path('/messages'), { customer_id: 'p-ada', template: 'Hi {{ customer.first_name' });
    assert.equal(broken.status, 400);
    assert.equal(broken.body.error.field, 'template');
    assert.match(broken.body.error.message, /line 1, column 4/);
    const dataAlone = await w.t.api.post(path('/messages'), { customer_id: 'p-ada', body: 'x', data: { a: 1 } });
    assert.equal(dataAlone.status, 400);
    assert.equal(dataAlone.body.error.field, 'data');
  });
});
