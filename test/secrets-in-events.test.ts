// Secrets never reach events: a provider that echoes the credentials it was sent (here Sinch's
// error `code` carrying the Authorization value) has them redacted before anything is stored.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { eventually, startHub } from './helpers.js';

const TOKEN = 'echoed-api-token-0123456789';

test('credentials a provider echoes in its error are redacted from events', async () => {
  // A stand-in for the Sinch SMS API that refuses every batch, echoing the Authorization header.
  const provider = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: String(req.headers.authorization), text: `token ${TOKEN} is not allowed here.` }));
    });
  });
  await new Promise<void>((r) => provider.listen(0, '127.0.0.1', r));
  const t = await startHub();
  try {
    const baseUrl = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`;
    const project = await t.api.post('/api/v1/projects', { name: 'echo' });
    const pid = project.body.id as string;
    const integration = await t.api.post(`/api/v1/projects/${pid}/integrations`, {
      provider: 'sinch_sms',
      config: { service_plan_id: 'plan', base_url: baseUrl },
      secrets: { api_token: TOKEN },
    });
    assert.equal(integration.status, 201, JSON.stringify(integration.body));
    const sent = await t.api.post(`/api/v1/projects/${pid}/messages`, { phone: '+12025550199', body: 'hi', integration_id: integration.body.id });
    assert.equal(sent.status, 202);
    const events = await eventually(async () => {
      const res = await t.api.get(`/api/v1/projects/${pid}/events?message_id=${sent.body.id}`);
      return res.body.data.length > 0 ? res.body.data : undefined;
    });
    const refused = events[0];
    assert.equal(refused.properties.status, 'enqueue_failed');
    assert.ok(!JSON.stringify(events).includes(TOKEN), JSON.stringify(refused.properties));
    assert.match(String(refused.properties.error), /\[redacted\]/);
    const message = await t.api.get(`/api/v1/projects/${pid}/messages/${sent.body.id}`);
    assert.ok(!JSON.stringify(message.body).includes(TOKEN));
  } finally {
    await t.close();
    provider.close();
  }
});
