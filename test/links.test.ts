// Link tracking end to end: short per-recipient links in the SMS that reaches the provider, parts
// counted on the shortened text, 302 on click with a `clicked` event, bots and prefetches ignored.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sqliteConnection } from '../src/store/db.js';
import { request } from 'undici';
import { messageEvents, sinchWorld, type SinchWorld } from './fixtures.js';

const BROWSER = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36';
const LONG_URL = `https://shop.example.com/spring-sale/${'x'.repeat(150)}?utm_source=sms`;

describe('link tracking', () => {
  let w: SinchWorld;
  before(async () => {
    w = await sinchWorld();
    await w.t.api.put(`/api/v1/projects/${w.projectId}/settings`, { link_tracking: true });
  });
  after(async () => {
    await w.close();
  });

  const path = (p: string) => `/api/v1/projects/${w.projectId}${p}`;
  const sentBody = async (messageId: string) => {
    await messageEvents(w, messageId, (e) => e.length >= 1);
    return w.sandbox.batches.find((b) => b.batch.client_reference === messageId)!.batch.body;
  };
  const codeIn = (body: string) => new RegExp(`${w.t.url}/l/([A-Za-z0-9]+)`).exec(body)?.[1];
  const visit = async (code: string, headers: Record<string, string> = { 'user-agent': BROWSER }, method: 'GET' | 'HEAD' = 'GET') => {
    const res = await request(`${w.t.url}/l/${code}`, { method, headers });
    await res.body.dump();
    return res;
  };
  const clicks = async (messageId: string) =>
    (await w.t.api.get(path(`/events?message_id=${messageId}&status=clicked`))).body.data as any[];

  test('links are shortened per recipient and parts are counted on the shortened text', async () => {
    const text = `Spring sale! ${LONG_URL} Reply STOP to opt out`;
    const preview = await w.t.api.post('/api/v1/segments', { text, track_links: true });
    assert.equal(preview.body.parts, 2);
    assert.equal(preview.body.tracked.parts, 1);

    const res = await w.t.api.post(path('/messages'), { phone: '+12025550900', body: text });
    assert.equal(res.status, 202);
    assert.equal(res.body.parts, 1);
    const body = await sentBody(res.body.id);
    assert.ok(!body.includes(LONG_URL));
    assert.match(body, new RegExp(`^Spring sale! ${w.t.url}/l/[A-Za-z0-9]{10} Reply STOP to opt out$`));
    const events = await messageEvents(w, res.body.id, (e) => e.length >= 1);
    assert.equal(events[0].properties.number_of_message_parts, 1);
  });

  test('a click redirects to the original URL and records a clicked event each time', async () => {
    const res = await w.t.api.post(path('/messages'), { phone: '+12025550901', body: `See ${LONG_URL}.` });
    const code = codeIn(await sentBody(res.body.id))!;
    const first = await visit(code);
    assert.equal(first.statusCode, 302);
    assert.equal(first.headers.location, LONG_URL);
    await visit(code);
    const events = await clicks(res.body.id);
    assert.equal(events.length, 2);
    assert.equal(events[0].properties.status, 'clicked');
    assert.equal(events[0].properties.url, LONG_URL);
    assert.equal(events[0].properties.message_id, res.body.id);
    assert.equal(events[0].properties.action_type, 'sms');
  });

  test('link previews, bots, prefetches and HEAD checks redirect without a click', async () => {
    const res = await w.t.api.post(path('/messages'), { phone: '+12025550902', body: `Hi ${LONG_URL}` });
    const code = codeIn(await sentBody(res.body.id))!;
    for (const headers of <Record<string, string>[]>[
      { 'user-agent': 'facebookexternalhit/1.1' },
      { 'user-agent': 'WhatsApp/2.23.20.0 A' },
      { 'user-agent': 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)' },
      { 'user-agent': BROWSER, 'sec-purpose': 'prefetch' },
      {},
    ]) {
      const r = await visit(code, headers);
      assert.equal(r.statusCode, 302);
    }
    assert.equal((await visit(code, { 'user-agent': BROWSER }, 'HEAD')).statusCode, 302);
    assert.equal((await clicks(res.body.id)).length, 0);
  });

  test('an unknown code is a 404', async () => {
    assert.equal((await visit('NoSuchCode1')).statusCode, 404);
    assert.equal((await visit('bad-code!')).statusCode, 404);
  });

  test('a send or campaign can opt out of tracking; a campaign gets one link per recipient', async () => {
    const plain = await w.t.api.post(path('/messages'), { phone: '+12025550903', body: `Plain ${LONG_URL}`, track_links: false });
    assert.ok((await sentBody(plain.body.id)).includes(LONG_URL));

    for (const id of ['l-1', 'l-2']) await w.t.api.post(path('/customers'), { customer_id: id, phone: `+120255509${id.endsWith('1') ? '11' : '12'}` });
    const campaign = await w.t.api.post(path('/campaigns'), { name: 'Links', body: `Shop ${LONG_URL}`, track_links: true, audience: { customer_ids: ['l-1', 'l-2'] } });
    await w.t.api.post(path(`/campaigns/${campaign.body.id}/launch`));
    const messages = await w.t.hub.db.selectFrom('messages').select('id').where('campaign_id', '=', campaign.body.id).execute();
    const codes = await Promise.all(messages.map(async (m) => codeIn(await sentBody(m.id))));
    assert.equal(new Set(codes).size, 2);
    await visit(codes[0]!);
    const click = (await clicks(messages[0]!.id))[0];
    assert.equal(click.properties.campaign_id, campaign.body.id);
    assert.equal(click.properties.message_type, 'campaign');
  });

  test('when links cannot be stored, the message goes out with the original link', async () => {
    sqliteConnection(w.t.hub.db)!.exec('drop table links');
    const res = await w.t.api.post(path('/messages'), { phone: '+12025550904', body: `Still works ${LONG_URL}` });
    assert.equal(res.status, 202);
    assert.ok((await sentBody(res.body.id)).includes(LONG_URL));
  });
});
