// Audiences through the real hub and the Sinch SMS sandbox: a campaign by filter reaches exactly
// the customers it selects, estimates count them before launch, past events select customers by
// what an earlier campaign did, and every bad field is a 400 naming its path.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as campaignStore from '../src/store/campaigns.js';
import { launchCampaign } from '../src/services/campaigns.js';
import { eventually } from './helpers.js';
import { sinchWorld, type SinchWorld } from './fixtures.js';

describe('audiences end to end', () => {
  let w: SinchWorld;
  const path = (p: string) => `/api/v1/projects/${w.projectId}${p}`;
  const CUSTOMERS = [
    { customer_id: 'a-gold', phone: '+12025550501', attributes: { first_name: 'Ada', tier: 'gold', orders: 12 } },
    { customer_id: 'a-gold-out', phone: '+12025550502', attributes: { first_name: 'Bo', tier: 'gold', orders: 3 } },
    { customer_id: 'a-silver', phone: '+12025550503', attributes: { first_name: 'Cy', tier: 'silver', orders: 7 } },
    { customer_id: 'a-gold-nophone', attributes: { tier: 'gold', orders: 40 } },
    { customer_id: 'a-none', phone: '+12025550505', attributes: {} },
  ];
  before(async () => {
    w = await sinchWorld();
    for (const c of CUSTOMERS) assert.equal((await w.t.api.post(path('/customers'), c)).status, 201);
    assert.equal((await w.t.api.post(path('/customers/a-gold-out/consent'), { channel: 'sms', opted_out: true })).status, 200);
  });
  after(async () => {
    await w.close();
  });

  const GOLD = { attribute: 'tier', op: 'eq', value: 'gold' };

  async function create(audience: unknown, body = 'Hi {{ customer.first_name | default: "there" }}, your {{ customer.tier | default: "new" }} offer') {
    return w.t.api.post(path('/campaigns'), { name: 'Aud', body, audience });
  }
  const customersOf = async (campaignId: string) =>
    ((await w.t.api.get(path(`/messages?campaign_id=${campaignId}`))).body.data as any[]).map((m) => m.customer_id as string).sort();

  test('estimate: how many match, have a phone, are not opted out', async () => {
    const r = await w.t.api.post(path('/audiences/estimate'), { filter: GOLD });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body, { channel: 'sms', size: 3, with_phone: 2, opted_out: 1, reachable: 1, listed_ids: null });
    const wa = await w.t.api.post(path('/audiences/estimate'), { filter: GOLD, channel: 'whatsapp' });
    assert.equal(wa.body.opted_out, 0, 'consent is per channel');
  });

  test('a campaign by filter reaches exactly the matching customers, rendered, and reports its size', async () => {
    const created = await create({ filter: { all: [GOLD, { attribute: 'orders', op: 'gte', value: 3 }] } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.audience_size, 3);
    assert.deepEqual(created.body.audience, { type: 'filter', filter: { all: [GOLD, { attribute: 'orders', op: 'gte', value: 3 }] } });
    const est = await w.t.api.get(path(`/campaigns/${created.body.id}/estimate`));
    assert.deepEqual(est.body, { channel: 'sms', size: 3, with_phone: 2, opted_out: 1, reachable: 1, listed_ids: null });
    const launched = await w.t.api.post(path(`/campaigns/${created.body.id}/launch`));
    assert.equal(launched.status, 200);
    assert.deepEqual(
      { ...launched.body.launch_summary, missing_variables: undefined },
      { audience: 3, queued: 1, skipped_unknown_customer: 0, skipped_no_phone: 1, skipped_opted_out: 1, skipped_missing_variable: 0, skipped_render_error: 0, missing_variables: undefined, skipped_frequency_cap: 0, deferred_quiet_hours: 0 },
    );
    const messages = (await w.t.api.get(path(`/messages?campaign_id=${created.body.id}`))).body.data as any[];
    assert.deepEqual(messages.map((m) => [m.customer_id, m.body]), [['a-gold', 'Hi Ada, your gold offer']]);
  });

  test('a list of ids still works, repeats once, unknown ids counted, estimated before launch', async () => {
    const created = await create({ customer_ids: ['a-silver', 'a-none', 'a-silver', 'nobody'] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.audience_size, 3);
    assert.deepEqual(created.body.audience, { type: 'customer_ids' });
    const est = await w.t.api.get(path(`/campaigns/${created.body.id}/estimate`));
    assert.deepEqual(est.body, { channel: 'sms', size: 2, with_phone: 2, opted_out: 0, reachable: 2, listed_ids: 3 });
    const launched = await w.t.api.post(path(`/campaigns/${created.body.id}/launch`));
    assert.equal(launched.body.launch_summary.queued, 2);
    assert.equal(launched.body.launch_summary.skipped_unknown_customer, 1);
    assert.deepEqual(await customersOf(created.body.id), ['a-none', 'a-silver']);
  });

  test('past events: received / not_received an earlier campaign', async () => {
    const first = await create({ customer_ids: ['a-gold', 'a-silver'] });
    await w.t.api.post(path(`/campaigns/${first.body.id}/launch`));
    // The sandbox reports delivery shortly after the send.
    await eventually(async () => {
      const r = await w.t.api.post(path('/audiences/estimate'), { filter: { event: 'received', campaign_id: first.body.id, within_days: 1 } });
      return r.body.size === 2 ? r : undefined;
    }, 15_000, 'delivery events of the first campaign');
    const received = await create({ filter: { event: 'received', campaign_id: first.body.id, within_days: 1 } });
    await w.t.api.post(path(`/campaigns/${received.body.id}/launch`));
    assert.deepEqual(await customersOf(received.body.id), ['a-gold', 'a-silver']);
    const notReceived = await create({ filter: { all: [{ event: 'not_received', campaign_id: first.body.id }, { consent: 'not_opted_out' }] } });
    await w.t.api.post(path(`/campaigns/${notReceived.body.id}/launch`));
    assert.deepEqual(await customersOf(notReceived.body.id), ['a-none'], 'a-gold-nophone is matched but has no phone');
    assert.equal((await w.t.api.get(path(`/campaigns/${notReceived.body.id}`))).body.audience_size, 2);
  });

  test('a launch a crash interrupted runs again without a second message to anyone', async () => {
    const created = await create({ filter: { attribute: 'tier', op: 'exists' } });
    await w.t.api.post(path(`/campaigns/${created.body.id}/launch`));
    const before = await customersOf(created.body.id);
    assert.deepEqual(before, ['a-gold', 'a-silver']);
    // As a crash before the final update leaves it; the hub resumes such campaigns at start.
    await campaignStore.update(w.t.hub.db, created.body.id, { state: 'launching' });
    const again = await launchCampaign(w.t.hub.messaging, w.projectId, created.body.id, ['launching']);
    assert.equal(again.state, 'launched');
    assert.deepEqual(await customersOf(created.body.id), before);
  });

  const bad: { name: string; url: string; body: unknown; field: string }[] = [
    { name: 'a bad op deep in a filter', url: '/campaigns', body: { name: 'x', body: 'x', audience: { filter: { all: [GOLD, GOLD, { attribute: 'tier', op: 'like', value: 'g' }] } } }, field: 'audience.filter.all[2].op' },
    { name: 'a bad value', url: '/campaigns', body: { name: 'x', body: 'x', audience: { filter: { any: [{ attribute: 'orders', op: 'gt', value: 'many' }] } } }, field: 'audience.filter.any[0].value' },
    { name: 'both ids and a filter', url: '/campaigns', body: { name: 'x', body: 'x', audience: { customer_ids: ['a'], filter: GOLD } }, field: 'audience' },
    { name: 'neither', url: '/campaigns', body: { name: 'x', body: 'x', audience: {} }, field: 'audience' },
    { name: 'empty ids', url: '/campaigns', body: { name: 'x', body: 'x', audience: { customer_ids: [] } }, field: 'audience.customer_ids' },
    { name: 'an unknown campaign in an event condition', url: '/campaigns', body: { name: 'x', body: 'x', audience: { filter: { event: 'received', campaign_id: 'cmp_01nope' } } }, field: 'audience.filter' },
    { name: 'estimate: a bad channel in a consent condition', url: '/audiences/estimate', body: { filter: { not: { consent: 'opted_in', channel: 'fax' } } }, field: 'filter.not.channel' },
    { name: 'estimate: no filter', url: '/audiences/estimate', body: {}, field: 'filter' },
  ];
  for (const c of bad) {
    test(`400: ${c.name}`, async () => {
      const count = (await w.t.api.get(path('/campaigns'))).body.data.length;
      const r = await w.t.api.post(path(c.url), c.body);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.equal(r.body.error.field, c.field, JSON.stringify(r.body));
      assert.equal((await w.t.api.get(path('/campaigns'))).body.data.length, count, 'nothing written');
    });
  }
});
