// The campaign form's model (web/src/screens/Campaigns/campaign-model.ts): filled from a saved
// campaign, and turned into the body of a create (POST) or an edit (PATCH).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { campaignRequest, emptyCampaign, isoToLocal, modelFromCampaign } from '../../web/src/screens/Campaigns/campaign-model.js';
import type { Campaign } from '../../web/src/screens/Campaigns/types.js';

const saved = (over: Partial<Campaign> = {}): Campaign => ({
  id: 'cmp_1',
  name: 'Spring',
  channel: 'sms',
  body: 'Hi {{ customer.first_name }}',
  content: null,
  media_urls: [],
  sender_profile_id: null,
  integration_id: null,
  sender: null,
  audience: { type: 'filter', filter: { attribute: 'tier', op: 'eq', value: 'gold' } },
  audience_size: 2,
  state: 'draft',
  send_at: null,
  cancelled_messages: null,
  launch_summary: null,
  created_at: '2026-01-01T00:00:00.000Z',
  launched_at: null,
  track_links: null,
  missing_variable_policy: 'default',
  fallback_channels: [],
  fallback_body: null,
  ...over,
});

test('a new SMS campaign: the project defaults are left out', () => {
  const m = { ...emptyCampaign(), name: 'N', body: 'Hello', audience: { mode: 'ids' as const, ids: 'a, b', combine: 'all' as const, conditions: [] } };
  assert.deepEqual(campaignRequest(m, null), { name: 'N', channel: 'sms', body: 'Hello', missing_variable_policy: 'default', audience: { customer_ids: ['a', 'b'] } });
});

test('MMS takes its media, one URL a line; link tracking on or off is sent', () => {
  const m = { ...emptyCampaign(), name: 'M', channel: 'mms' as const, body: 'Look', media: ' https://x.test/a.png \n\nhttps://x.test/b.png', trackLinks: 'off' as const };
  const body = campaignRequest(m, null);
  assert.deepEqual(body.media_urls, ['https://x.test/a.png', 'https://x.test/b.png']);
  assert.equal(body.track_links, false);
});

test('a WhatsApp template with parameters that use variables; empty names are dropped', () => {
  const m = {
    ...emptyCampaign(),
    name: 'W',
    channel: 'whatsapp' as const,
    kind: 'template' as const,
    body: 'ignored',
    template: { scope: 'channel' as const, template_id: ' spring_offer ', version: '', language_code: 'en_US', parameters: [{ name: 'name', value: '{{ customer.first_name }}' }, { name: ' ', value: 'x' }] },
  };
  const body = campaignRequest(m, null);
  assert.deepEqual(body.content, { type: 'template', scope: 'channel', template_id: 'spring_offer', language_code: 'en_US', parameters: { name: '{{ customer.first_name }}' } });
  assert.equal(body.body, undefined);
});

test('an edit round-trips a saved campaign: cleared fields are null, an unchanged send time and a kept list are not sent', () => {
  const scheduled = saved({ state: 'scheduled', send_at: '2030-05-01T09:30:00.000Z', audience: { type: 'customer_ids' }, track_links: true, sender_profile_id: 'spf_1' });
  const m = modelFromCampaign(scheduled);
  assert.equal(m.keepAudience, true);
  assert.equal(m.sendAt, isoToLocal('2030-05-01T09:30:00.000Z'));
  const same = campaignRequest(m, { sendAt: m.sendAt });
  assert.equal('send_at' in same, false);
  assert.equal('audience' in same, false);
  assert.equal(same.track_links, true);
  assert.equal(same.sender_profile_id, 'spf_1');
  const cleared = campaignRequest({ ...m, sendAt: '', trackLinks: 'default', profile: '', keepAudience: false, audience: { mode: 'ids', ids: 'z', combine: 'all', conditions: [] } }, { sendAt: m.sendAt });
  assert.equal(cleared.send_at, null);
  assert.equal(cleared.track_links, null);
  assert.equal(cleared.sender_profile_id, null);
  assert.deepEqual(cleared.audience, { customer_ids: ['z'] });
});

test('a filter the builder shows is filled in, not kept; a template is filled back into its fields; a copy has no time', () => {
  const m = modelFromCampaign(saved());
  assert.equal(m.keepAudience, false);
  assert.equal(m.audience.conditions.length, 1);
  const t = modelFromCampaign(saved({ channel: 'rcs', body: '', content: { type: 'template', scope: 'omni', template_id: 'tpl', version: '2', parameters: { a: '1' } }, send_at: '2030-01-01T00:00:00Z' }), true);
  assert.equal(t.name, 'Spring (copy)');
  assert.equal(t.kind, 'template');
  assert.deepEqual(t.template, { scope: 'omni', template_id: 'tpl', version: '2', language_code: '', parameters: [{ name: 'a', value: '1' }] });
  assert.equal(t.sendAt, '');
  assert.equal(modelFromCampaign(saved({ channel: 'whatsapp', body: 'hey', content: { type: 'text', text: 'hey' } })).body, 'hey');
});

test('fallback channels: sent in the hub order with their text; the campaign\'s own channel dropped; an edit clears them with null', () => {
  const m = { ...emptyCampaign(), name: 'F', channel: 'whatsapp' as const, body: 'Hi {{ customer.first_name }}', fallback: ['rcs', 'sms'] as ('rcs' | 'sms')[], fallbackBody: 'By text, {{ customer.first_name }}' };
  const created = campaignRequest(m, null);
  assert.deepEqual([created.fallback_channels, created.fallback_body], [['rcs', 'sms'], 'By text, {{ customer.first_name }}']);
  // Moved to SMS: SMS is no longer a fallback.
  assert.deepEqual(campaignRequest({ ...m, channel: 'sms', fallbackBody: '' }, null).fallback_channels, ['rcs']);
  assert.equal('fallback_body' in campaignRequest({ ...m, fallbackBody: ' ' }, null), false);
  const none = campaignRequest(emptyCampaign(), null);
  assert.equal('fallback_channels' in none, false);
  // An edit always says: null clears what is saved.
  assert.deepEqual([campaignRequest({ ...m, fallback: [] }, { sendAt: '' }).fallback_channels, campaignRequest({ ...m, fallbackBody: '' }, { sendAt: '' }).fallback_body], [null, null]);
});

test('saved fallbacks fill the form, an entry naming its integration by its channel', () => {
  const m = modelFromCampaign(saved({ channel: 'whatsapp', fallback_channels: ['rcs', { channel: 'sms' }], fallback_body: 'Text' }));
  assert.deepEqual([m.fallback, m.fallbackBody], [['rcs', 'sms'], 'Text']);
  assert.deepEqual([modelFromCampaign(saved()).fallback, modelFromCampaign(saved()).fallbackBody], [[], '']);
});
