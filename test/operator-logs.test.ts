// What an operator reads when messages stall: each retry and each final refusal logged once at
// warn, with the integration, the message and the provider's error, and never a secret.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createSinchSmsSandbox, type SinchSmsSandbox } from '../src/sandboxes/sinch-sms/server.js';
import { capturedLogger, eventually, startHub, type TestHub } from './helpers.js';

describe('warnings for retries and refusals', () => {
  let sandbox: SinchSmsSandbox;
  let t: TestHub;
  let pid: string;
  const { logger, lines } = capturedLogger();

  before(async () => {
    sandbox = createSinchSmsSandbox({ servicePlans: [{ id: 'plan', token: 'right-token-QQQ' }], delays: { dispatchedMs: 10, finalMs: 20 } });
    await sandbox.listen(0, '127.0.0.1');
    t = await startHub({ logger: logger });
    pid = (await t.api.post('/api/v1/projects', { name: 'Ops' })).body.id;
  });
  after(async () => {
    await t.close();
    await sandbox.close();
  });

  const integration = async (token: string) =>
    (
      await t.api.post(`/api/v1/projects/${pid}/integrations`, {
        provider: 'sinch_sms',
        config: { service_plan_id: 'plan', base_url: sandbox.url },
        secrets: { api_token: token },
        rate_limit: null,
        retry_deadline_seconds: 2,
      })
    ).body.id as string;

  // Settled, and its final line written (lines follow the commit, a moment after the API sees it).
  const settled = async (mid: string) =>
    eventually(async () => {
      const m = await t.api.get(`/api/v1/projects/${pid}/messages/${mid}`);
      const logged = lines.some((l) => l.message_id === mid && String(l.msg).startsWith('send refused for good'));
      return m.body.dispatch_state === 'done' && logged ? m.body : undefined;
    }, 15_000, `message ${mid} settled`);

  test('a provider answering 500 until the deadline: one warning per retry, then one for the refusal', async () => {
    const iid = await integration('right-token-QQQ');
    const sent = await t.api.post(`/api/v1/projects/${pid}/messages`, { phone: '+12025550009', body: 'hi', integration_id: iid });
    const m = await settled(sent.body.id);
    assert.equal(m.status, 'enqueue_failed');
    const mine = lines.filter((l) => l.message_id === m.id);
    const retries = mine.filter((l) => l.msg === 'send failed; will retry');
    const refusals = mine.filter((l) => String(l.msg).startsWith('send refused for good'));
    assert.equal(refusals.length, 1);
    const refusal = refusals[0]!;
    assert.equal(refusal.level, 40, 'warn');
    assert.equal(refusal.integration_id, iid);
    // Two endings are right: the last attempt failed with no time left for another, or (on a busy
    // machine) the retry due just before the deadline was claimed after it and refused unsent.
    if (/retries ran out/.test(String(refusal.msg))) {
      assert.equal(retries.length, m.attempts - 1, 'every attempt but the last was a retry');
      assert.equal(refusal.status_code, 500);
      assert.equal(typeof refusal.error, 'string');
    } else {
      assert.match(String(refusal.msg), /retry deadline passed/);
      assert.equal(retries.length, m.attempts, 'every attempt was a retry; the expiry made no request');
    }
    assert.ok(retries.length >= 1);
    for (const l of retries) {
      assert.equal(l.level, 40, 'warn');
      assert.equal(l.integration_id, iid);
      assert.equal(l.status_code, 500);
      assert.equal(typeof l.error, 'string');
    }
    assert.deepEqual(retries.map((l) => l.attempts), Array.from({ length: retries.length }, (_, i) => i + 1));
  });

  test('a refusal (wrong token) is one warning naming the provider error, without the token', async () => {
    const iid = await integration('wrong-token-ZZZ');
    const sent = await t.api.post(`/api/v1/projects/${pid}/messages`, { phone: '+12025550100', body: 'hi', integration_id: iid });
    const m = await settled(sent.body.id);
    const mine = lines.filter((l) => l.message_id === m.id);
    assert.equal(mine.length, 1, JSON.stringify(mine));
    assert.equal(mine[0]!.msg, 'send refused for good: refused by the provider');
    assert.equal(mine[0]!.status_code, 401);
    const all = JSON.stringify(lines);
    assert.ok(!all.includes('wrong-token-ZZZ') && !all.includes('right-token-QQQ'), 'no token in the logs');
  });
});
