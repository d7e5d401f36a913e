// Provider failover end to end (docs/failover.md), over real HTTP: a project whose SMS goes through
// the CM.com sandbox, with a Sinch SMS sandbox integration second in the failover order. CM in
// outage mode → its circuit breaker opens and traffic moves to Sinch, nothing lost and nothing
// sent twice; the outage over → a probe goes to CM, succeeds, and traffic goes back to CM.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createCmSandbox, type CmSandbox } from '../src/sandboxes/cm/server.js';
import { createSinchSmsSandbox, type SinchSmsSandbox } from '../src/sandboxes/sinch-sms/server.js';
import { capturedLogger, eventually, startHub } from './helpers.js';

const TOKEN = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const NL = (last4: string) => `+3161234${last4}`;
const SINCH_FROM = '+12025550199';
const COOL_DOWN_MS = 400;
const MAX_COOL_DOWN_MS = 1600;
/** What a message the provider took shows, as its reports arrive. */
const TAKEN = new Set(['enqueued', 'sent', 'delivered']);

describe('provider failover end to end', () => {
  let t: Awaited<ReturnType<typeof startHub>>;
  let cm: CmSandbox;
  let sinch: SinchSmsSandbox;
  let pid: string;
  let cmId: string;
  let sinchId: string;
  let sinchProfile: string;
  let n = 100;
  const { logger, lines } = capturedLogger();

  before(async () => {
    cm = createCmSandbox({ accounts: [{ token: TOKEN }], delays: { acceptedMs: 20, finalMs: 60 }, retryBaseMs: 50 });
    await cm.listen(0, '127.0.0.1');
    sinch = createSinchSmsSandbox({ servicePlans: [{ id: 'plan1', token: 'token-1' }], delays: { dispatchedMs: 20, finalMs: 60 }, retryBaseMs: 50 });
    await sinch.listen(0, '127.0.0.1');
    t = await startHub({ logger, hub: { dispatcher: { failover: { failureThreshold: 2, coolDownMs: COOL_DOWN_MS, maxCoolDownMs: MAX_COOL_DOWN_MS } } } });
    pid = (await t.api.post('/api/v1/projects', { name: 'Acme NL' })).body.id;
    const cmInt = await t.api.post(`/api/v1/projects/${pid}/integrations`, {
      provider: 'cm',
      name: 'CM.com',
      config: { base_url: cm.url, default_sender: 'Acme' },
      secrets: { product_token: TOKEN },
      rate_limit: null,
    });
    assert.equal(cmInt.status, 201, JSON.stringify(cmInt.body));
    cmId = cmInt.body.id;
    cm.setAccountUrls(TOKEN, cmInt.body.webhook_urls);
    const sinchInt = await t.api.post(`/api/v1/projects/${pid}/integrations`, {
      provider: 'sinch_sms',
      name: 'Sinch EU',
      config: { service_plan_id: 'plan1', region: 'eu', base_url: sinch.url },
      secrets: { api_token: 'token-1' },
      rate_limit: 50,
    });
    assert.equal(sinchInt.status, 201, JSON.stringify(sinchInt.body));
    sinchId = sinchInt.body.id;
    // The project sends from CM's sender by default; Sinch has its own number.
    const cmProfile = await t.api.post(`/api/v1/projects/${pid}/sender-profiles`, { channel: 'sms', integration_id: cmId, sender: 'Acme', is_default: true, name: 'CM' });
    assert.equal(cmProfile.status, 201, JSON.stringify(cmProfile.body));
    const sp = await t.api.post(`/api/v1/projects/${pid}/sender-profiles`, { channel: 'sms', integration_id: sinchId, sender: SINCH_FROM, name: 'Sinch' });
    assert.equal(sp.status, 201, JSON.stringify(sp.body));
    sinchProfile = sp.body.id;
  });
  after(async () => {
    await t.close();
    await cm.close();
    await sinch.close();
  });

  const settingsUrl = () => `/api/v1/projects/${pid}/settings`;
  const send = async (last4 = String(n++).padStart(4, '0')) => {
    const res = await t.api.post(`/api/v1/projects/${pid}/messages`, { phone: NL(last4), body: `Code ${last4}` });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    return res.body.id as string;
  };
  const message = async (id: string) => (await t.api.get(`/api/v1/projects/${pid}/messages/${id}`)).body;
  const settled = (ids: string[]) =>
    eventually(async () => {
      const ms = await Promise.all(ids.map(message));
      return ms.every((m) => m.dispatch_state === 'done') ? ms : undefined;
    }, 15_000, 'messages sent');
  const reference = (id: string) => id.replace('_', '');
  const sinchBatches = (id: string) => sinch.batches.filter((b) => b.request.client_reference === id);
  const cmAccepted = (id: string) => cm.messages.filter((m) => m.reference === reference(id));
  const metric = async (name: string, labels: string) => {
    const text = String((await t.api.get('/metrics')).body);
    const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && labels.split(',').every((p) => l.includes(p)));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  test('the failover list is a project setting, checked like the defaults', async () => {
    const unknown = await t.api.put(settingsUrl(), { failover: { sms: ['int_nope'] } });
    assert.equal(unknown.status, 404, JSON.stringify(unknown.body));
    assert.match(JSON.stringify(unknown.body), /failover\.sms\[0\]/);
    const twice = await t.api.put(settingsUrl(), { failover: { sms: [sinchId, sinchId] } });
    assert.equal(twice.status, 400, JSON.stringify(twice.body));
    assert.match(JSON.stringify(twice.body), /failover\.sms\[1\]/);
    const wrongChannel = await t.api.put(settingsUrl(), { failover: { whatsapp: [sinchId] } });
    assert.ok(wrongChannel.status >= 400 && wrongChannel.status < 500, JSON.stringify(wrongChannel.body));
    assert.match(JSON.stringify(wrongChannel.body), /failover\.whatsapp\[0\]/);
    const badChannel = await t.api.put(settingsUrl(), { failover: { fax: [sinchId] } });
    assert.equal(badChannel.status, 400);

    const ok = await t.api.put(settingsUrl(), { default_sms_integration_id: cmId, failover: { sms: [sinchId] } });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual(ok.body.failover, { sms: [sinchId] });
    // Left out: kept; [] removes a channel's list, null every list.
    const other = await t.api.put(settingsUrl(), { link_tracking: false });
    assert.deepEqual(other.body.failover, { sms: [sinchId] });
    assert.deepEqual((await t.api.put(settingsUrl(), { failover: { sms: [] } })).body.failover, {});
    await t.api.put(settingsUrl(), { failover: { sms: [sinchId] } });
    assert.deepEqual((await t.api.put(settingsUrl(), { failover: null })).body.failover, {});
    const again = await t.api.put(settingsUrl(), { failover: { sms: [sinchId] } });
    assert.deepEqual(again.body.failover, { sms: [sinchId] });
    assert.deepEqual((await t.api.get(settingsUrl())).body.failover, { sms: [sinchId] });
  });

  test('while CM works, messages go through CM, each with its attempt listed', async () => {
    const id = await send();
    const [m] = await settled([id]);
    assert.equal(m.integration_id, cmId);
    assert.ok(TAKEN.has(m.status), m.status);
    assert.deepEqual(m.send_attempts.map((a: any) => [a.integration_id, a.outcome]), [[cmId, 'accepted']]);
    assert.equal(cmAccepted(id).length, 1);
    assert.equal(sinchBatches(id).length, 0);
  });

  test('a message CM refuses for its content (BlackListed) is refused, not failed over', async () => {
    const id = await send('0004');
    const [m] = await settled([id]);
    assert.equal(m.status, 'enqueue_failed');
    assert.equal(m.integration_id, cmId);
    assert.deepEqual(
      m.send_attempts.map((a: any) => [a.integration_id, a.outcome, a.error]),
      [[cmId, 'refused', '402']],
    );
    assert.equal(sinchBatches(id).length, 0);
    assert.equal(await metric('switchboard_circuit_breaker_changes_total', `integration_id="${cmId}"`), 0);
  });

  let movedIds: string[] = [];

  test('CM in outage: its breaker opens and new and retrying messages go to Sinch, once each, from Sinch\'s sender', async () => {
    cm.setOutage('http_503');
    const first = await Promise.all([send(), send(), send(), send(), send()]);
    // The breaker opens once two of them come back 503.
    await eventually(async () => ((await metric('switchboard_circuit_breaker_changes_total', `integration_id="${cmId}",change="opened"`)) >= 1 ? true : undefined), 10_000, 'breaker opened');
    const later = await Promise.all([send(), send(), send()]);
    movedIds = [...first, ...later];
    const ms = await settled(movedIds);
    for (const m of ms) {
      assert.equal(m.integration_id, sinchId, `${m.id} ended on Sinch`);
      assert.equal(m.sender, SINCH_FROM, 'the failover integration\'s sender');
      assert.equal(m.sender_profile_id, sinchProfile);
      assert.ok(TAKEN.has(m.status), m.status);
      const outcomes = m.send_attempts.map((a: any) => [a.integration_id, a.outcome]);
      assert.deepEqual(outcomes.at(-2), [cmId, 'rerouted'], JSON.stringify(outcomes));
      assert.deepEqual(outcomes.at(-1), [sinchId, 'accepted'], JSON.stringify(outcomes));
      // Before the move: only CM's 503s.
      for (const a of m.send_attempts.slice(0, -2)) assert.deepEqual([a.integration_id, a.outcome, a.status_code], [cmId, 'retry', 503]);
      assert.equal(m.send_attempts.at(-2).error, 'circuit_open');
      // Nothing lost, nothing twice.
      assert.equal(sinchBatches(m.id).length, 1, `${m.id}: one Sinch batch`);
      assert.equal(cmAccepted(m.id).length, 0, `${m.id}: never taken by CM`);
      assert.equal(sinchBatches(m.id)[0]!.request.from, SINCH_FROM);
    }
    // Those sent once the breaker was open never reached CM.
    for (const m of ms.slice(first.length)) assert.deepEqual(m.send_attempts.map((a: any) => a.outcome), ['rerouted', 'accepted']);
    // The events say which integration took it.
    await eventually(async () => {
      const events = (await t.api.get(`/api/v1/projects/${pid}/events?message_id=${movedIds[0]}`)).body.data;
      return events.some((e: any) => e.properties.status === 'delivered') ? events : undefined;
    }, 10_000, 'delivered').then((events) => {
      for (const e of events) assert.equal(e.properties.integration_id, sinchId);
    });
    assert.equal(await metric('switchboard_failover_reroutes_total', `integration_id="${cmId}",to_integration_id="${sinchId}"`), movedIds.length);
    assert.equal(await metric('switchboard_circuit_breaker_open', `integration_id="${cmId}"`), 1);
    const opened = lines.find((l) => l.integration_id === cmId && String(l.msg).startsWith('circuit breaker opened'));
    assert.ok(opened, 'the log says the breaker opened');
    assert.equal(opened.status_code, 503);
    assert.ok(lines.some((l) => l.integration_id === cmId && l.to_integration_id === sinchId && l.reason === 'circuit_open'), 'the log says why messages moved');
    assert.ok(!JSON.stringify(lines).includes(TOKEN), 'no secret in the log');
  });

  test('the outage over: a probe goes to CM, succeeds, and traffic goes back to CM', async () => {
    cm.setOutage('off');
    // Past any cool-down the failed probes of the outage may have grown to.
    await new Promise((r) => setTimeout(r, MAX_COOL_DOWN_MS + 100));
    const probe = await send();
    const [p] = await settled([probe]);
    assert.equal(p.integration_id, cmId);
    assert.deepEqual(p.send_attempts.map((a: any) => [a.integration_id, a.outcome]), [[cmId, 'accepted']]);
    assert.equal(await metric('switchboard_circuit_breaker_changes_total', `integration_id="${cmId}",change="closed"`), 1);
    assert.equal(await metric('switchboard_circuit_breaker_open', `integration_id="${cmId}"`), 0);
    const after = await settled(await Promise.all([send(), send(), send()]));
    for (const m of after) {
      assert.equal(m.integration_id, cmId);
      assert.equal(cmAccepted(m.id).length, 1);
      assert.equal(sinchBatches(m.id).length, 0);
    }
    // What moved during the outage stayed where it was sent, once.
    for (const id of movedIds) assert.equal(sinchBatches(id).length + cmAccepted(id).length, 1);
  });

  test('a product token CM refuses (101, an account fault) fails over instead of refusing the messages', async () => {
    const other = (await t.api.post('/api/v1/projects', { name: 'Acme BE' })).body.id as string;
    const badCm = await t.api.post(`/api/v1/projects/${other}/integrations`, {
      provider: 'cm',
      name: 'CM.com, revoked token',
      config: { base_url: cm.url, default_sender: 'AcmeBE' },
      secrets: { product_token: '99999999-9999-4999-8999-999999999999' },
      rate_limit: null,
    });
    const backup = await t.api.post(`/api/v1/projects/${other}/integrations`, {
      provider: 'sinch_sms',
      name: 'Sinch backup',
      config: { service_plan_id: 'plan1', region: 'eu', base_url: sinch.url, default_sender: '+12025550177' },
      secrets: { api_token: 'token-1' },
      rate_limit: null,
    });
    assert.equal(backup.status, 201, JSON.stringify(backup.body));
    const set = await t.api.put(`/api/v1/projects/${other}/settings`, { default_sms_integration_id: badCm.body.id, failover: { sms: [backup.body.id] } });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    const ids = await Promise.all(['0300', '0301', '0302'].map(async (last4) => (await t.api.post(`/api/v1/projects/${other}/messages`, { phone: NL(last4), body: 'x' })).body.id as string));
    const ms = await eventually(async () => {
      const got = await Promise.all(ids.map(async (id) => (await t.api.get(`/api/v1/projects/${other}/messages/${id}`)).body));
      return got.every((m) => m.dispatch_state === 'done') ? got : undefined;
    }, 15_000, 'messages sent');
    for (const m of ms) {
      assert.equal(m.integration_id, backup.body.id);
      assert.ok(TAKEN.has(m.status), m.status);
      // No sender profile on the backup: its own default sender.
      assert.equal(m.sender, null);
      assert.equal(sinchBatches(m.id)[0]!.request.from, '+12025550177');
      assert.deepEqual(m.send_attempts.at(-1), { ...m.send_attempts.at(-1), integration_id: backup.body.id, outcome: 'accepted' });
      for (const a of m.send_attempts.filter((x: any) => x.outcome === 'retry')) assert.deepEqual([a.integration_id, a.status_code, a.error], [badCm.body.id, 401, '101']);
    }
  });
});
