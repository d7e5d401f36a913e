// Two-way messaging over the Sinch SMS sandbox: keywords, auto-replies, consent and its audit
// trail, and STOP arriving while a campaign is still queued for the customer.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually } from './helpers.js';
import { sinchWorld, type SinchWorld } from './fixtures.js';

const OUR_NUMBER = '+12025550999';

describe('two-way messaging', () => {
  let w: SinchWorld;
  before(async () => {
    w = await sinchWorld();
  });
  after(async () => {
    await w.close();
  });

  const api = () => w.t.api;
  const path = (p: string) => `/api/v1/projects/${w.projectId}${p}`;
  const reply = (from: string, body: string) =>
    w.sandbox.injectInbound({ servicePlanId: 'plan1', from, to: OUR_NUMBER, body, url: w.integration.webhook_urls.inbound });
  const conversation = async (customerId: string) => (await api().get(path(`/customers/${encodeURIComponent(customerId)}/conversation`))).body.data as any[];
  const consent = async (customerId: string) => (await api().get(path(`/customers/${encodeURIComponent(customerId)}/consent`))).body;
  /** Waits for the auto-reply that answers the n-th inbound message and for its delivery. */
  const autoReplies = (customerId: string, n: number) =>
    eventually(async () => {
      const c = await conversation(customerId);
      const replies = c.filter((e) => e.auto_reply);
      return replies.length >= n && replies.every((r) => r.status === 'delivered') ? replies : undefined;
    }, 10_000, `${n} auto-replies to ${customerId}`);

  test('STOP opts out, confirms through the same integration and number, and refuses later sends', async () => {
    const customer = '+12025550601';
    assert.equal((await reply(customer, '  stop ')).status, 200);
    const [confirmation] = await autoReplies(customer, 1);
    assert.match(confirmation.text, /unsubscribed/);
    const batch = w.sandbox.batches.find((b) => b.batch.client_reference === confirmation.message_id);
    assert.ok(batch, 'the reply went out through the integration the STOP came in on');
    assert.equal(batch.batch.from, OUR_NUMBER, 'from the number the STOP was sent to');
    assert.deepEqual(batch.batch.to, [customer]);

    const c = await consent(customer);
    assert.equal(c.channels.sms.opted_out, true);
    assert.deepEqual(c.history.map((h: any) => [h.action, h.source, h.detail]), [['opt_out', 'keyword', 'STOP']]);

    const refused = await api().post(path('/messages'), { phone: customer, body: 'Sale!' });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, 'opted_out');

    const conv = await conversation(customer);
    assert.deepEqual(conv.map((e) => e.direction), ['inbound', 'outbound']);
    assert.equal(conv[0].text, '  stop ');
  });

  test('START opts back in; HELP answers; messages containing a keyword do nothing', async () => {
    const customer = '+12025550602';
    await reply(customer, 'STOP');
    await autoReplies(customer, 1);
    await reply(customer, 'Start');
    const replies = await autoReplies(customer, 2);
    assert.match(replies[1].text, /subscribed again/);
    assert.equal((await consent(customer)).channels.sms.opted_out, false);
    assert.equal((await api().post(path('/messages'), { phone: customer, body: 'Welcome back' })).status, 202);

    await reply(customer, 'HELP');
    assert.match((await autoReplies(customer, 3))[2].text, /Reply STOP/);

    for (const text of ["please don't stop", 'stop it', 'STOP!', 'Helpful, thanks']) await reply(customer, text);
    await eventually(async () => ((await conversation(customer)).filter((e) => e.direction === 'inbound').length === 7 ? true : undefined));
    await eventually(async () => ((await w.t.hub.processor.pending()) === 0 ? true : undefined));
    assert.equal((await conversation(customer)).filter((e) => e.auto_reply).length, 3, 'no reply to non-keywords');
    assert.equal((await consent(customer)).channels.sms.opted_out, false);
  });

  test('custom keywords are editable through the API', async () => {
    const current = (await api().get(path('/keywords'))).body.sms;
    const put = await api().put(path('/keywords/sms'), { ...current, custom: [{ keyword: 'Hours', reply: 'We are open 9-17, Monday to Friday.' }] });
    assert.equal(put.status, 200);
    const clash = await api().put(path('/keywords/sms'), { ...current, custom: [{ keyword: 'stop', reply: 'x' }] });
    assert.equal(clash.status, 400);
    const customer = '+12025550603';
    await reply(customer, 'ＨＯＵＲＳ');
    assert.match((await autoReplies(customer, 1))[0].text, /open 9-17/);
    assert.equal((await api().delete(path('/keywords/sms'))).body.custom.length, 0);
  });

  test('one channel read and changed in part: the rest stays, accents fold', async () => {
    const before = (await api().get(path('/keywords/sms'))).body;
    assert.deepEqual(before, (await api().get(path('/keywords'))).body.sms);
    const patched = await api().patch(path('/keywords/sms'), { help: { reply: 'Call 555-0100.' }, custom: [{ keyword: 'Horaires', reply: 'Ouvert 9-17.' }] });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.body.help.reply, 'Call 555-0100.');
    assert.deepEqual(patched.body.help.keywords, before.help.keywords, 'a group changes field by field');
    assert.deepEqual(patched.body.opt_out, before.opt_out);
    assert.deepEqual((await api().get(path('/keywords/whatsapp'))).body.custom, [], 'other channels untouched');
    assert.equal((await api().patch(path('/keywords/sms'), {})).status, 400, 'an empty change');
    assert.equal((await api().patch(path('/keywords/sms'), { opt_out: { keywords: [] } })).body.error.field, 'opt_out.keywords');

    const byAdmin = await api().patch(path('/keywords/sms'), { opt_out: { keywords: [...before.opt_out.keywords, 'ARRET'] } });
    assert.equal(byAdmin.status, 200);
    const customer = '+12025550604';
    await reply(customer, 'horaires');
    assert.match((await autoReplies(customer, 1))[0].text, /Ouvert/);
    await reply(customer, 'Arrêt');
    assert.equal((await autoReplies(customer, 2))[1].text, before.opt_out.reply, 'Arrêt opts out like ARRET');
    assert.equal((await api().delete(path('/keywords/sms'))).status, 200);
  });

  test('opt-out keywords: never empty, and only the admin key changes them', async () => {
    const key = await api().post(path('/api-keys'), { name: 'marketing' });
    assert.equal(key.status, 201, JSON.stringify(key.body));
    const asProject = api().withToken(key.body.key);
    const current = (await api().get(path('/keywords'))).body.sms;

    const emptied = await api().put(path('/keywords/sms'), { ...current, opt_out: { keywords: [], reply: '' } });
    assert.equal(emptied.status, 400);
    assert.equal(emptied.body.error.field, 'opt_out.keywords');

    const byProject = await asProject.put(path('/keywords/sms'), { ...current, opt_out: { ...current.opt_out, keywords: ['STOP'] } });
    assert.equal(byProject.status, 403, JSON.stringify(byProject.body));
    const reply = await asProject.put(path('/keywords/sms'), { ...current, opt_out: { ...current.opt_out, reply: 'bye' } });
    assert.equal(reply.status, 403);
    assert.equal((await asProject.patch(path('/keywords/sms'), { opt_out: { reply: 'bye' } })).status, 403, 'a partial change too');
    assert.equal((await asProject.patch(path('/keywords/sms'), { help: { reply: 'Call us.' } })).status, 200);
    // The rest is the project's to change, the opt-out rules kept as they are (order and case aside).
    const help = await asProject.put(path('/keywords/sms'), {
      ...current,
      opt_out: { ...current.opt_out, keywords: [...current.opt_out.keywords].reverse().map((k: string) => k.toLowerCase()) },
      help: { ...current.help, reply: 'Call us.' },
    });
    assert.equal(help.status, 200, JSON.stringify(help.body));

    const byAdmin = await api().put(path('/keywords/sms'), { ...current, opt_out: { ...current.opt_out, keywords: [...current.opt_out.keywords, 'ARRET'] } });
    assert.equal(byAdmin.status, 200);
    // Back to the defaults drops ARRET: that too changes the opt-out rules.
    assert.equal((await asProject.delete(path('/keywords/sms'))).status, 403);
    assert.equal((await api().delete(path('/keywords/sms'))).status, 200);
  });

  test('STOP while a campaign is queued cancels the rest for that customer within a second', async () => {
    const slow = await api().post(path('/integrations'), {
      provider: 'sinch_sms',
      config: { service_plan_id: 'plan1', base_url: w.sandbox.url },
      secrets: { api_token: 'token-1' },
      rate_limit: 2,
    });
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const id = `slow-${i}`;
      ids.push(id);
      await api().post(path('/customers'), { customer_id: id, phone: `+120255507${String(i).padStart(2, '0')}` });
    }
    const campaign = await api().post(path('/campaigns'), { name: 'Slow', body: 'Hello', integration_id: slow.body.id, audience: { customer_ids: ids } });
    await api().post(path(`/campaigns/${campaign.body.id}/launch`));
    const target = '+12025550711'; // the last customer: still queued for seconds at 2 parts/s
    const before = await api().get(path(`/events?campaign_id=${campaign.body.id}`));
    assert.ok(!before.body.data.some((e: any) => e.properties.recipient === target));

    const t0 = Date.now();
    await reply(target, 'STOP');
    const cancelled = await eventually(async () => {
      const m = await w.t.hub.db.selectFrom('messages').selectAll().where('campaign_id', '=', campaign.body.id).where('recipient', '=', target).executeTakeFirstOrThrow();
      return m.dispatch_state === 'cancelled' ? m : undefined;
    }, 1000, 'the queued campaign message to be cancelled');
    assert.ok(Date.now() - t0 <= 1000);
    assert.deepEqual(JSON.parse(cancelled.last_error!), { reason: 'opted_out' });

    await eventually(async () => {
      const s = await api().get(path(`/campaigns/${campaign.body.id}/stats`));
      return (s.body.current_status.enqueued ?? 0) + (s.body.current_status.sent ?? 0) + (s.body.current_status.delivered ?? 0) >= 11 ? true : undefined;
    }, 15_000, 'the other eleven sent');
    assert.ok(!w.sandbox.batches.some((b) => b.batch.client_reference === cancelled.id), 'never sent');
  });

  test('campaigns skip opted-out customers and count them; the API can opt in and out with an audit trail', async () => {
    await api().post(path('/customers'), { customer_id: 'vip', phone: '+12025550801' });
    await api().post(path('/customers'), { customer_id: 'regular', phone: '+12025550802' });
    const out = await api().post(path('/customers/vip/consent'), { channel: 'sms', opted_out: true, note: 'asked by phone' });
    assert.equal(out.status, 200);
    assert.equal(out.body.channels.sms.opted_out, true);
    const campaign = await api().post(path('/campaigns'), { name: 'Skip', body: 'Hi', audience: { customer_ids: ['vip', 'regular'] } });
    const launched = await api().post(path(`/campaigns/${campaign.body.id}/launch`));
    assert.equal(launched.body.launch_summary.queued, 1);
    assert.equal(launched.body.launch_summary.skipped_opted_out, 1);
    const back = await api().post(path('/customers/vip/consent'), { channel: 'mms', opted_out: false });
    assert.equal(back.body.channels.sms.opted_out, false);
    assert.deepEqual(back.body.history.map((h: any) => [h.action, h.source]), [['opt_out', 'api'], ['opt_in', 'api']]);
    assert.equal(back.body.history[0].detail, 'asked by phone');
  });
});
