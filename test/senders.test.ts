// A sender a provider cannot use on a channel is a 400 naming the field when a sender profile or
// a send names it, not a refusal from the provider later.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sinchWorld, type SinchWorld } from './fixtures.js';

const ACCOUNT = 'AC' + 'b'.repeat(32);
const SERVICE = 'MG' + 'c'.repeat(32);

describe('senders per provider and channel', () => {
  let w: SinchWorld;
  let twilioId: string;
  const profiles = () => `/api/v1/projects/${w.projectId}/sender-profiles`;

  before(async () => {
    w = await sinchWorld();
    const twilio = await w.t.api.post(`/api/v1/projects/${w.projectId}/integrations`, {
      provider: 'twilio',
      config: { account_sid: ACCOUNT, base_url: w.sandbox.url },
      secrets: { auth_token: 'x'.repeat(32), api_key_sid: 'SK' + 'd'.repeat(32), api_key_secret: 'secret' },
      rate_limit: null,
    });
    assert.equal(twilio.status, 201, JSON.stringify(twilio.body));
    twilioId = twilio.body.id;
  });
  after(() => w.close());

  test('sender profiles: each provider takes its own kinds of sender', async () => {
    const ok: [string, string, string][] = [
      [w.integrationId, 'sms', '+12025550100'],
      [w.integrationId, 'sms', '12025550100'],
      [w.integrationId, 'sms', '88222'],
      [w.integrationId, 'sms', 'ACME'],
      [twilioId, 'sms', SERVICE],
      [twilioId, 'sms', 'Acme Shop'],
      [twilioId, 'mms', '+12025550100'],
    ];
    for (const [integration_id, channel, sender] of ok) {
      const res = await w.t.api.post(profiles(), { channel, integration_id, sender });
      assert.equal(res.status, 201, `${channel} ${sender}: ${JSON.stringify(res.body)}`);
    }
    const refused: [string, string, string, RegExp][] = [
      [w.integrationId, 'sms', SERVICE, /Messaging Service SID .* which Sinch SMS on sms does not take/],
      [w.integrationId, 'sms', 'ACME SHOP LTD', /longer than 11 characters/],
      [twilioId, 'sms', '12025550100', /phone number without \+ .*which Twilio Messaging on sms does not take/],
      [twilioId, 'mms', 'ACME', /alphanumeric sender ID .*which Twilio Messaging on mms does not take/],
      [twilioId, 'mms', '555-CALL', /no letter|not a valid phone number|alphanumeric/],
    ];
    for (const [integration_id, channel, sender, message] of refused) {
      const res = await w.t.api.post(profiles(), { channel, integration_id, sender });
      assert.equal(res.status, 400, `${channel} ${sender}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, 'invalid_sender');
      assert.equal(res.body.error.field, 'sender');
      assert.match(res.body.error.message, message);
    }
  });

  test('changing a profile checks the sender against the integration it will use', async () => {
    const p = await w.t.api.post(profiles(), { channel: 'sms', integration_id: twilioId, sender: SERVICE });
    assert.equal(p.status, 201);
    // Moving a Messaging Service profile to Sinch would leave it with a sender Sinch cannot use.
    const moved = await w.t.api.patch(`${profiles()}/${p.body.id}`, { integration_id: w.integrationId });
    assert.equal(moved.status, 400, JSON.stringify(moved.body));
    assert.equal(moved.body.error.field, 'integration_id');
    const bad = await w.t.api.patch(`${profiles()}/${p.body.id}`, { sender: 'Not@Valid#Sender!' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.field, 'sender');
    const both = await w.t.api.patch(`${profiles()}/${p.body.id}`, { integration_id: w.integrationId, sender: 'ACME' });
    assert.equal(both.status, 200, JSON.stringify(both.body));
    assert.equal(both.body.sender, 'ACME');
  });

  test('an empty integration_id on a profile update is refused, not a server error', async () => {
    const p = await w.t.api.post(profiles(), { channel: 'sms', integration_id: w.integrationId, sender: 'ACME' });
    const res = await w.t.api.patch(`${profiles()}/${p.body.id}`, { integration_id: '' });
    assert.ok(res.status === 400 || res.status === 404, `${res.status} ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error.field, 'integration_id');
    const after = await w.t.api.get(`${profiles()}/${p.body.id}`);
    assert.equal(after.body.integration_id, w.integrationId);
  });

  test('a send naming a sender is checked against the integration it goes through', async () => {
    const send = (body: Record<string, unknown>) => w.t.api.post(`/api/v1/projects/${w.projectId}/messages`, { phone: '+12025550100', body: 'hi', ...body });
    assert.equal((await send({ sender: 'ACME' })).status, 202);
    const refused = await send({ sender: SERVICE });
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.equal(refused.body.error.field, 'sender');
    const viaTwilio = await send({ integration_id: twilioId, channel: 'mms', media_urls: ['https://example.com/a.jpg'], sender: 'ACME' });
    assert.equal(viaTwilio.status, 400, JSON.stringify(viaTwilio.body));
    assert.match(viaTwilio.body.error.message, /Twilio Messaging on mms/);
  });
});
