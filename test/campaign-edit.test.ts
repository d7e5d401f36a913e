// PATCH …/campaigns/{cid}: a draft or scheduled campaign edited through the API, checked as a
// create is, written whole or not at all, refused (409, naming the state) once it has launched,
// and never both edited and launched when a launch takes it at the same moment.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { editCampaign } from '../src/services/campaign-edit.js';
import { beginFanOut } from '../src/services/campaign-control.js';
import { getCampaign } from '../src/services/campaigns.js';
import { eventually } from './helpers.js';
import { sinchWorld, type SinchWorld } from './fixtures.js';

const iso = (t: number) => new Date(t).toISOString();

describe('editing a campaign', () => {
  let w: SinchWorld;
  const path = (p: string) => `/api/v1/projects/${w.projectId}${p}`;
  const create = async (body: Record<string, unknown>) => {
    const res = await w.t.api.post(path('/campaigns'), { name: 'Spring', body: 'Hello {{ customer.first_name }}', audience: { customer_ids: ['e-1', 'e-2'] }, ...body });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id as string;
  };
  const listed = (cid: string) => w.t.hub.db.selectFrom('campaign_audience').select('customer_id').where('campaign_id', '=', cid).orderBy('customer_id').execute().then((r) => r.map((x) => x.customer_id));
  const row = (cid: string) => w.t.hub.db.selectFrom('campaigns').selectAll().where('id', '=', cid).executeTakeFirstOrThrow();

  before(async () => {
    w = await sinchWorld();
    for (const [id, phone, first_name] of [['e-1', '+12025550701', 'Ada'], ['e-2', '+12025550702', 'Bo'], ['e-3', '+12025550703', 'Cy']] as const) {
      assert.equal((await w.t.api.post(path('/customers'), { customer_id: id, phone, attributes: { first_name, tier: id === 'e-3' ? 'gold' : 'silver' } })).status, 201);
    }
  });
  after(() => w.close());

  test('a draft: name, body, a new list of ids and the policy change; the launch sends the edited message to the new audience', async () => {
    const cid = await create({});
    const res = await w.t.api.patch(path(`/campaigns/${cid}`), { name: 'Spring (v2)', body: 'Hi {{ customer.first_name }}, edited', audience: { customer_ids: ['e-3', 'e-3', 'e-2'] }, missing_variable_policy: 'skip', track_links: false });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.name, 'Spring (v2)');
    assert.equal(res.body.body, 'Hi {{ customer.first_name }}, edited');
    assert.equal(res.body.audience_size, 2);
    assert.equal(res.body.missing_variable_policy, 'skip');
    assert.equal(res.body.track_links, false);
    assert.equal(res.body.state, 'draft');
    assert.deepEqual(await listed(cid), ['e-2', 'e-3'], 'the old list is replaced, not added to');
    const preview = await w.t.api.post(path(`/campaigns/${cid}/preview`), { customer_id: 'e-3' });
    assert.equal(preview.body.body, 'Hi Cy, edited');
    assert.equal((await w.t.api.post(path(`/campaigns/${cid}/launch`))).status, 200);
    await eventually(async () => (w.sandbox.batches.filter((b) => String(b.request.body).endsWith(', edited')).length === 2 ? true : undefined));
    assert.deepEqual(w.sandbox.batches.filter((b) => String(b.request.body).endsWith(', edited')).map((b) => b.request.body).sort(), ['Hi Bo, edited', 'Hi Cy, edited']);
  });

  test('fields left out stay; a filter replaces a list (and the list is gone); null clears track_links', async () => {
    const cid = await create({ track_links: true, missing_variable_policy: 'skip' });
    const res = await w.t.api.patch(path(`/campaigns/${cid}`), { audience: { filter: { attribute: 'tier', op: 'eq', value: 'gold' } }, track_links: null });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.name, 'Spring');
    assert.equal(res.body.body, 'Hello {{ customer.first_name }}');
    assert.equal(res.body.missing_variable_policy, 'skip');
    assert.equal(res.body.track_links, null);
    assert.deepEqual(res.body.audience, { type: 'filter', filter: { attribute: 'tier', op: 'eq', value: 'gold' } });
    assert.equal(res.body.audience_size, 1);
    assert.deepEqual(await listed(cid), []);
    assert.equal((await w.t.api.get(path(`/campaigns/${cid}/estimate`))).body.size, 1);
  });

  test('send_at schedules a draft, moves it, and null makes it a draft again that the scheduler leaves alone', async () => {
    const cid = await create({});
    const later = Date.now() + 3_600_000;
    const scheduled = await w.t.api.patch(path(`/campaigns/${cid}`), { send_at: iso(later) });
    assert.equal(scheduled.body.state, 'scheduled');
    assert.equal(scheduled.body.send_at, iso(later));
    const unscheduled = await w.t.api.patch(path(`/campaigns/${cid}`), { send_at: null, body: 'not yet' });
    assert.equal(unscheduled.status, 200, JSON.stringify(unscheduled.body));
    assert.equal(unscheduled.body.state, 'draft');
    assert.equal(unscheduled.body.send_at, null);
    // A draft is never due, whatever its old send_at was.
    assert.equal(await w.t.hub.scheduler.tick(later + 1), 0);
    assert.equal((await row(cid)).state, 'draft');
  });

  test('a channel change is checked as a create is: the content, then the route on the new channel', async () => {
    const cid = await create({});
    const badMedia = await w.t.api.patch(path(`/campaigns/${cid}`), { channel: 'mms', body: 'See this', media_urls: ['ftp://example.com/a.png'] });
    assert.equal(badMedia.status, 400);
    assert.equal(badMedia.body.error.field, 'media_urls[0]');
    // The project's only integration is Sinch SMS, which sends no MMS.
    const noRoute = await w.t.api.patch(path(`/campaigns/${cid}`), { channel: 'mms', media_urls: ['https://example.com/a.png'] });
    assert.equal(noRoute.status, 400, JSON.stringify(noRoute.body));
    assert.equal(noRoute.body.error.field, 'integration_id');
    assert.equal((await row(cid)).channel, 'sms');
  });

  const bad: [string, Record<string, unknown>, string, RegExp][] = [
    ['a template syntax error', { body: 'Hi {{ customer.first_name ' }, 'body', /line|position|col/i],
    ['both kinds of audience', { audience: { customer_ids: ['e-1'], filter: { consent: 'opted_in' } } }, 'audience', /exactly one/],
    ['an empty list', { audience: { customer_ids: [] } }, 'audience.customer_ids', /empty/],
    ['a bad filter', { audience: { filter: { attribute: 'tier', op: 'nearly', value: 1 } } }, 'audience.filter.op', /op/],
    ['a bad send_at', { send_at: 'soon' }, 'send_at', /send_at/],
    ['an unknown sender profile', { sender_profile_id: 'spf_nope' }, 'sender_profile_id', /sender profile/i],
    ['media on SMS', { media_urls: ['https://example.com/a.png'] }, 'media_urls', /mms/],
    ['an unknown field', { colour: 'red' }, '', /colour|additional/i],
  ];
  for (const [what, body, field, message] of bad) {
    test(`bad input: ${what} → 400 naming ${field || 'it'}, nothing changed`, async () => {
      const cid = await create({});
      const before = await row(cid);
      const res = await w.t.api.patch(path(`/campaigns/${cid}`), { name: 'should not stick', ...body });
      assert.equal(res.status === 400 || res.status === 404, true, JSON.stringify(res.body));
      if (field) assert.equal(res.body.error.field, field, JSON.stringify(res.body));
      assert.match(res.body.error.message, message);
      assert.deepEqual(await row(cid), before);
      assert.deepEqual(await listed(cid), ['e-1', 'e-2']);
    });
  }

  test('a campaign that has launched, is paused or cancelled: 409 naming its state, nothing changed', async () => {
    const launched = await create({});
    assert.equal((await w.t.api.post(path(`/campaigns/${launched}/launch`))).status, 200);
    const cancelled = await create({});
    assert.equal((await w.t.api.post(path(`/campaigns/${cancelled}/cancel`))).status, 200);
    for (const [cid, code, state] of [[launched, 'already_launched', /launched/], [cancelled, 'campaign_cancelled', /cancelled/]] as const) {
      const before = await row(cid);
      const res = await w.t.api.patch(path(`/campaigns/${cid}`), { body: 'too late' });
      assert.equal(res.status, 409, JSON.stringify(res.body));
      assert.equal(res.body.error.code, code);
      assert.match(res.body.error.message, state);
      assert.match(res.body.error.message, /edited/);
      assert.deepEqual(await row(cid), before);
    }
    assert.equal((await w.t.api.patch(path('/campaigns/cmp_nope'), { body: 'x' })).status, 404);
  });

  test('a launch that read the campaign before an edit committed is refused; launched again, it sends the edit', async () => {
    const cid = await create({ body: 'before the edit' });
    const read = await getCampaign(w.t.hub.db, w.projectId, cid);
    await editCampaign(w.t.hub.messaging, w.projectId, cid, { body: 'after the edit' });
    await assert.rejects(beginFanOut(w.t.hub.db, read, ['draft', 'scheduled'], w.integrationId, Date.now()), (err: Error & { code?: string }) => err.code === 'campaign_changed');
    assert.equal((await row(cid)).state, 'draft');
    const launched = await w.t.api.post(path(`/campaigns/${cid}/launch`));
    assert.equal(launched.status, 200);
    await eventually(async () => (w.sandbox.batches.filter((b) => b.request.body === 'after the edit').length === 2 ? true : undefined));
    assert.equal(w.sandbox.batches.filter((b) => b.request.body === 'before the edit').length, 0);
  });

  test('an edit racing launches: exactly one wins each time, and what is sent is what the campaign says', async () => {
    for (let i = 0; i < 8; i++) {
      const cid = await create({ body: `race ${i} old` });
      const [edit, launch] = await Promise.allSettled([
        w.t.api.patch(path(`/campaigns/${cid}`), { body: `race ${i} new`, send_at: iso(Date.now() + 3_600_000) }),
        w.t.api.post(path(`/campaigns/${cid}/launch`)),
      ]);
      assert.equal(edit.status, 'fulfilled');
      assert.equal(launch.status, 'fulfilled');
      const e = (edit as PromiseFulfilledResult<{ status: number }>).value.status;
      const l = (launch as PromiseFulfilledResult<{ status: number }>).value.status;
      const final = await row(cid);
      if (l === 200) {
        // The launch won: the edit was refused, or landed before the launch read the campaign.
        assert.ok(e === 409 || (e === 200 && final.body === `race ${i} new`), `edit ${e}, launch ${l}`);
        assert.notEqual(final.state, 'scheduled');
      } else {
        assert.equal(l, 409);
        assert.equal(e, 200);
        assert.equal(final.state, 'scheduled');
        assert.equal(final.body, `race ${i} new`);
      }
      const sent = await w.t.hub.db.selectFrom('messages').select('body').where('campaign_id', '=', cid).execute();
      for (const m of sent) assert.equal(m.body, final.body, 'a launched message says what the stored campaign says');
    }
  });
});
