// Scheduling and control end to end: send_at on sends and campaigns (launched by the hub's
// scheduler, also after a restart, never twice), quiet hours deferring campaign messages only,
// the frequency cap, and campaign pause, resume and cancel against a real dispatcher.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { nextAllowedTime, nextAllowedTimeInAll, parseClock } from '../src/core/quiet-hours.js';
import { cancelCampaign, pauseCampaign, resumeCampaign } from '../src/services/campaign-control.js';
import { launchCampaign } from '../src/services/campaigns.js';
import { newId } from '../src/core/ids.js';
import { openDatabase } from '../src/store/db.js';
import { customerRow, messageRow } from '../src/store/fixtures.js';
import { eventually, startHub } from './helpers.js';
import { sinchWorld, type SinchWorld } from './fixtures.js';
import { ProviderProxy } from './provider-proxy.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const iso = (t: number) => new Date(t).toISOString();

async function addCustomers(w: SinchWorld, customers: { customer_id: string; phone: string; attributes?: Record<string, unknown> }[]): Promise<void> {
  for (const c of customers) {
    const res = await w.t.api.post(`/api/v1/projects/${w.projectId}/customers`, c);
    assert.ok(res.status === 201 || res.status === 200, JSON.stringify(res.body));
  }
}

function sentWithBody(w: SinchWorld, body: string): number {
  return w.sandbox.batches.filter((b) => b.request.body === body).length;
}

async function campaignMessages(w: SinchWorld, campaignId: string) {
  return w.t.hub.db.selectFrom('messages').selectAll().where('campaign_id', '=', campaignId).orderBy('id').execute();
}

describe('send_at', () => {
  let w: SinchWorld;
  const path = (p: string) => `/api/v1/projects/${w.projectId}${p}`;
  before(async () => {
    w = await sinchWorld({ hub: { scheduler: { pollMs: 100 } } });
    await addCustomers(w, [
      { customer_id: 's-1', phone: '+12025550601' },
      { customer_id: 's-2', phone: '+12025550602' },
    ]);
  });
  after(() => w.close());

  test('a transactional send waits for its send_at; its retry deadline counts from then', async () => {
    const sendAt = Date.now() + 1500;
    const res = await w.t.api.post(path('/messages'), { customer_id: 's-1', body: 'later, please', send_at: iso(sendAt).replace('Z', '+00:00') });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.dispatch_state, 'queued');
    assert.equal(res.body.next_attempt_at, iso(sendAt));
    const row = await w.t.hub.db.selectFrom('messages').selectAll().where('id', '=', res.body.id).executeTakeFirstOrThrow();
    assert.equal(row.next_attempt_at, sendAt);
    assert.equal(row.deadline_at, sendAt + w.integration.retry_deadline_seconds * 1000);
    await sleep(900);
    assert.equal(sentWithBody(w, 'later, please'), 0, 'not sent before send_at');
    const done = await eventually(async () => {
      const m = await w.t.api.get(path(`/messages/${res.body.id}`));
      return m.body.dispatch_state === 'done' ? m.body : undefined;
    });
    assert.equal(done.status === 'queued', false);
    const batch = w.sandbox.batches.find((b) => b.request.body === 'later, please')!;
    assert.ok(Date.parse(batch.batch.created_at) >= sendAt - 5, `sent at ${batch.batch.created_at}, due ${iso(sendAt)}`);
  });

  test('a send_at in the past means now', async () => {
    const res = await w.t.api.post(path('/messages'), { customer_id: 's-2', body: 'past is now', send_at: '2020-01-01T00:00:00Z' });
    assert.equal(res.status, 202);
    await eventually(async () => (sentWithBody(w, 'past is now') === 1 ? true : undefined), 5000);
  });

  const bad: [string, string, () => string, unknown, number, string, string][] = [
    ['send without an offset', 'POST', () => path('/messages'), { customer_id: 's-1', body: 'x', send_at: '2030-01-01T09:00:00' }, 400, 'invalid_request', 'send_at'],
    ['send too far ahead', 'POST', () => path('/messages'), { customer_id: 's-1', body: 'x', send_at: iso(Date.now() + 400 * 86_400_000) }, 400, 'invalid_request', 'send_at'],
    ['campaign with a bad send_at', 'POST', () => path('/campaigns'), { name: 'c', body: 'x', send_at: 'soon', audience: { customer_ids: ['s-1'] } }, 400, 'invalid_request', 'send_at'],
    ['schedule without send_at', 'POST', () => path('/campaigns/cmp_none/schedule'), {}, 400, 'invalid_request', 'send_at'],
  ];
  for (const [what, method, p, body, status, code, field] of bad) {
    test(`bad input: ${what} → ${status} naming ${field}, nothing stored`, async () => {
      const count = async () => Number((await w.t.hub.db.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
      const before = await count();
      const res = await w.t.api.call(method, p(), body);
      assert.equal(res.status, status, JSON.stringify(res.body));
      assert.equal(res.body.error.code, code);
      assert.match(res.body.error.field ?? res.body.error.message, new RegExp(field));
      assert.equal(await count(), before);
    });
  }

  test('a campaign created with send_at is scheduled, and the hub launches it then', async () => {
    const sendAt = Date.now() + 1200;
    const created = await w.t.api.post(path('/campaigns'), { name: 'Later', body: 'scheduled campaign', send_at: iso(sendAt), audience: { customer_ids: ['s-1', 's-2'] } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.state, 'scheduled');
    assert.equal(created.body.send_at, iso(sendAt));
    await sleep(700);
    assert.equal((await w.t.api.get(path(`/campaigns/${created.body.id}`))).body.state, 'scheduled');
    assert.equal((await campaignMessages(w, created.body.id)).length, 0);
    const launched = await eventually(async () => {
      const c = await w.t.api.get(path(`/campaigns/${created.body.id}`));
      return c.body.state === 'launched' ? c.body : undefined;
    });
    assert.ok(Date.parse(launched.launched_at) >= sendAt);
    assert.equal(launched.launch_summary.queued, 2);
    await eventually(async () => (sentWithBody(w, 'scheduled campaign') === 2 ? true : undefined));
  });

  test('POST …/schedule schedules a draft and moves a scheduled one; a launched one cannot be', async () => {
    const c = await w.t.api.post(path('/campaigns'), { name: 'Draft', body: 'rescheduled', audience: { customer_ids: ['s-1'] } });
    assert.equal(c.body.state, 'draft');
    const far = iso(Date.now() + 3_600_000);
    const first = await w.t.api.post(path(`/campaigns/${c.body.id}/schedule`), { send_at: far });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.state, 'scheduled');
    assert.equal(first.body.send_at, far);
    const soon = await w.t.api.post(path(`/campaigns/${c.body.id}/schedule`), { send_at: iso(Date.now() + 200) });
    assert.equal(soon.status, 200);
    await eventually(async () => ((await w.t.api.get(path(`/campaigns/${c.body.id}`))).body.state === 'launched' ? true : undefined));
    const again = await w.t.api.post(path(`/campaigns/${c.body.id}/schedule`), { send_at: far });
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'already_launched');
  });

  test('a scheduled campaign that cannot launch at its time goes back to draft', async () => {
    const temp = await w.t.api.post(path('/integrations'), {
      provider: 'sinch_sms',
      name: 'Temporary',
      config: { service_plan_id: 'plan1', region: 'us', base_url: w.sandbox.url },
      secrets: { api_token: 'token-1' },
    });
    const c = await w.t.api.post(path('/campaigns'), { name: 'Orphan', body: 'orphan', integration_id: temp.body.id, send_at: iso(Date.now() + 300), audience: { customer_ids: ['s-1'] } });
    assert.equal(c.status, 201, JSON.stringify(c.body));
    assert.equal((await w.t.api.delete(path(`/integrations/${temp.body.id}`))).status, 204);
    await eventually(async () => ((await w.t.api.get(path(`/campaigns/${c.body.id}`))).body.state === 'draft' ? true : undefined));
    assert.equal((await campaignMessages(w, c.body.id)).length, 0);
  });

  test('a scheduled campaign is launched once, however many try at the same moment', async () => {
    // Far ahead, so only the racers below take it.
    const c = await w.t.api.post(path('/campaigns'), { name: 'Race', body: 'only once', send_at: iso(Date.now() + 3_600_000), audience: { customer_ids: ['s-1', 's-2'] } });
    await w.t.hub.db.updateTable('campaigns').set({ send_at: Date.now() - 1 }).where('id', '=', c.body.id).execute();
    const byHand = () => launchCampaign(w.t.hub.messaging, w.projectId, c.body.id).then(() => 'launched', (err: Error) => err.message);
    const results = await Promise.all([w.t.hub.scheduler.tick(Date.now()), w.t.hub.scheduler.tick(Date.now()), byHand(), byHand()]);
    const taken = (results[0]) + (results[1]) + results.slice(2).filter((r) => r === 'launched').length;
    assert.equal(taken, 1, JSON.stringify(results));
    await eventually(async () => ((await w.t.api.get(path(`/campaigns/${c.body.id}`))).body.state === 'launched' ? true : undefined));
    assert.equal((await campaignMessages(w, c.body.id)).length, 2);
    await eventually(async () => (sentWithBody(w, 'only once') === 2 ? true : undefined));
    await sleep(300);
    assert.equal(sentWithBody(w, 'only once'), 2);
  });
});

test('a hub that was down at send_at launches the campaign as soon as it starts', async () => {
  const w = await sinchWorld();
  const dataDir = w.t.dataDir;
  try {
    await addCustomers(w, [{ customer_id: 'r-1', phone: '+12025550611' }]);
    const sendAt = Date.now() + 500;
    const c = await w.t.api.post(`/api/v1/projects/${w.projectId}/campaigns`, { name: 'While down', body: 'sent after restart', send_at: iso(sendAt), audience: { customer_ids: ['r-1'] } });
    assert.equal(c.body.state, 'scheduled');
    await w.t.close({ keepData: true });
    await sleep(Math.max(0, sendAt - Date.now()) + 300);
    const started = Date.now();
    const t2 = await startHub({ dataDir, hub: { scheduler: { pollMs: 60_000 } } });
    try {
      const launched = await eventually(async () => {
        const res = await t2.api.get(`/api/v1/projects/${w.projectId}/campaigns/${c.body.id}`);
        return res.body.state === 'launched' ? res.body : undefined;
      });
      assert.ok(Date.now() - started < 5000, 'launched at start, not at the next poll');
      assert.equal(launched.launch_summary.queued, 1);
      await eventually(async () => (sentWithBody(w, 'sent after restart') === 1 ? true : undefined));
    } finally {
      await t2.close();
    }
  } finally {
    await w.sandbox.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

describe('quiet hours and the frequency cap', () => {
  let w: SinchWorld;
  const path = (p: string) => `/api/v1/projects/${w.projectId}${p}`;
  before(async () => {
    w = await sinchWorld();
  });
  after(() => w.close());

  test('settings: quiet hours and the frequency cap are validated, shown, and removable', async () => {
    const bad: [unknown, string][] = [
      [{ quiet_hours: { start: '25:00', end: '08:00' } }, 'quiet_hours.start'],
      [{ quiet_hours: { start: '21:00', end: '8:00' } }, 'quiet_hours.end'],
      [{ quiet_hours: { start: '21:00', end: '21:00' } }, 'quiet_hours.end'],
      [{ quiet_hours: { start: '21:00', end: '08:00', default_timezone: 'Mars/Olympus' } }, 'quiet_hours.default_timezone'],
      [{ quiet_hours: { start: '21:00', end: '08:00', timezone_attribute: 'a b' } }, 'quiet_hours.timezone_attribute'],
      [{ frequency_cap: { max: 0, per: 'day' } }, 'frequency_cap.max'],
      [{ frequency_cap: { max: 2, per: 'month' } }, 'frequency_cap.per'],
    ];
    for (const [body, field] of bad) {
      const res = await w.t.api.put(path('/settings'), body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error.field, field, JSON.stringify(res.body));
    }
    const set = await w.t.api.put(path('/settings'), { quiet_hours: { start: '21:00', end: '08:00' }, frequency_cap: { max: 3, per: 'week' } });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.deepEqual(set.body.quiet_hours, { start: '21:00', end: '08:00', timezone_attribute: 'timezone', default_timezone: 'UTC' });
    assert.deepEqual(set.body.frequency_cap, { max: 3, per: 'week' });
    const other = await w.t.api.put(path('/settings'), { link_tracking: false });
    assert.deepEqual(other.body.frequency_cap, { max: 3, per: 'week' }, 'kept when not named');
    const removed = await w.t.api.put(path('/settings'), { quiet_hours: null, frequency_cap: null });
    assert.equal(removed.body.quiet_hours, null);
    assert.equal(removed.body.frequency_cap, null);
  });

  test("campaign messages due in the recipient's quiet hours wait for their end; transactional ones do not", async () => {
    // A window around the current UTC time: quiet now in UTC and in Paris (UTC+1/+2), not at UTC+12.
    const now = new Date();
    const clock = (t: number) => new Date(t).toISOString().slice(11, 16);
    const start = clock(now.getTime() - 60 * 60_000);
    const end = clock(now.getTime() + 4 * 60 * 60_000);
    const set = await w.t.api.put(path('/settings'), { quiet_hours: { start, end, timezone_attribute: 'tz' } });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    await addCustomers(w, [
      { customer_id: 'q-utc', phone: '+12025550621', attributes: { tz: 'UTC' } },
      { customer_id: 'q-far', phone: '+12025550622', attributes: { tz: 'Etc/GMT-12' } },
      { customer_id: 'q-paris', phone: '+33612345678' },
      { customer_id: 'q-bad-tz', phone: '+33612345679', attributes: { tz: 'Mars/Olympus' } },
    ]);
    const c = await w.t.api.post(path('/campaigns'), { name: 'Quiet', body: 'quiet please', audience: { customer_ids: ['q-utc', 'q-far', 'q-paris', 'q-bad-tz'] } });
    const launched = await w.t.api.post(path(`/campaigns/${c.body.id}/launch`));
    assert.equal(launched.status, 200, JSON.stringify(launched.body));
    assert.equal(launched.body.launch_summary.queued, 4);
    assert.equal(launched.body.launch_summary.deferred_quiet_hours, 3);
    const rows = new Map((await campaignMessages(w, c.body.id)).map((m) => [m.customer_id, m]));
    const window = { start: parseClock(start)!, end: parseClock(end)! };
    const utc = rows.get('q-utc')!;
    assert.equal(utc.next_attempt_at, nextAllowedTime(utc.created_at, window, 'UTC'));
    assert.ok(utc.next_attempt_at > Date.now() + 60 * 60_000);
    // Deferred messages keep their whole retry deadline from the deferred time.
    assert.equal(utc.deadline_at - utc.next_attempt_at, w.integration.retry_deadline_seconds * 1000);
    const paris = rows.get('q-paris')!;
    assert.equal(paris.next_attempt_at, nextAllowedTimeInAll(paris.created_at, window, ['Europe/Paris']));
    assert.notEqual(paris.next_attempt_at, utc.next_attempt_at, 'the country zone, not the default');
    // An attribute that is no time zone: the country decides.
    assert.equal(rows.get('q-bad-tz')!.next_attempt_at, paris.next_attempt_at);
    const far = rows.get('q-far')!;
    assert.equal(far.next_attempt_at, far.created_at);
    const shown = await w.t.api.get(path(`/messages/${utc.id}`));
    assert.equal(shown.body.next_attempt_at, iso(utc.next_attempt_at));

    await eventually(async () => (sentWithBody(w, 'quiet please') === 1 ? true : undefined));
    const tx = await w.t.api.post(path('/messages'), { customer_id: 'q-utc', body: 'transactional in quiet hours' });
    assert.equal(tx.status, 202);
    await eventually(async () => (sentWithBody(w, 'transactional in quiet hours') === 1 ? true : undefined));
    await sleep(500);
    assert.equal(sentWithBody(w, 'quiet please'), 1, 'the deferred ones wait');
    const batch = w.sandbox.batches.find((b) => b.request.body === 'quiet please')!;
    assert.deepEqual(batch.request.to, [far.recipient]);
    await w.t.api.put(path('/settings'), { quiet_hours: null });
  });

  test('the frequency cap skips customers at it, counting campaign messages only, and not the cancelled', async () => {
    await addCustomers(w, [
      { customer_id: 'f-1', phone: '+12025550631' },
      { customer_id: 'f-2', phone: '+12025550632' },
      { customer_id: 'f-3', phone: '+12025550633' },
      { customer_id: 'f-4', phone: '+12025550634' },
    ]);
    await w.t.api.put(path('/settings'), { frequency_cap: { max: 2, per: 'day' } });
    const launch = async (ids: string[]) => {
      const c = await w.t.api.post(path('/campaigns'), { name: 'Cap', body: `capped ${ids.join(',')}`, audience: { customer_ids: ids } });
      return (await w.t.api.post(path(`/campaigns/${c.body.id}/launch`))).body;
    };
    assert.equal((await launch(['f-1', 'f-2'])).launch_summary.skipped_frequency_cap, 0);
    // f-3: transactional messages do not count.
    for (let i = 0; i < 3; i++) assert.equal((await w.t.api.post(path('/messages'), { customer_id: 'f-3', body: `tx ${i}` })).status, 202);
    // f-4: a message of a cancelled campaign does not count.
    const scheduled = await w.t.api.post(path('/campaigns'), { name: 'Never', body: 'never', audience: { customer_ids: ['f-4'] } });
    await w.t.api.post(path(`/campaigns/${scheduled.body.id}/cancel`));
    const second = await launch(['f-1', 'f-3']);
    assert.equal(second.launch_summary.skipped_frequency_cap, 0, 'f-1 has one, f-3 none');
    const third = await launch(['f-1', 'f-2', 'f-3', 'f-4']);
    assert.equal(third.launch_summary.skipped_frequency_cap, 1, JSON.stringify(third.launch_summary));
    assert.equal(third.launch_summary.queued, 3);
    const reached = (await campaignMessages(w, third.id)).map((m) => m.customer_id).sort();
    assert.deepEqual(reached, ['f-2', 'f-3', 'f-4']);
    await w.t.api.put(path('/settings'), { frequency_cap: null });
  });
});

describe('pause, resume and cancel', () => {
  let w: SinchWorld;
  const path = (p: string) => `/api/v1/projects/${w.projectId}${p}`;
  const audience = Array.from({ length: 30 }, (_, i) => `pc-${i}`);
  before(async () => {
    w = await sinchWorld({ integration: { rate_limit: 10 } });
    await addCustomers(w, audience.map((id, i) => ({ customer_id: id, phone: `+120255507${String(i).padStart(2, '0')}` })));
  });
  after(() => w.close());

  test("a paused campaign's messages are not sent while others are; resumed, they all go", async () => {
    const a = await w.t.api.post(path('/campaigns'), { name: 'A', body: 'campaign A', audience: { customer_ids: audience } });
    await w.t.api.post(path(`/campaigns/${a.body.id}/launch`));
    await eventually(async () => (sentWithBody(w, 'campaign A') >= 3 ? true : undefined));
    const paused = await w.t.api.post(path(`/campaigns/${a.body.id}/pause`));
    assert.equal(paused.status, 200, JSON.stringify(paused.body));
    assert.equal(paused.body.state, 'paused');
    assert.equal((await w.t.api.post(path(`/campaigns/${a.body.id}/pause`))).status, 200, 'pausing again changes nothing');
    await sleep(300); // sends that were under way finish
    const sentAtPause = sentWithBody(w, 'campaign A');
    assert.ok(sentAtPause < audience.length, `${sentAtPause} sent before the pause`);
    const states = (await campaignMessages(w, a.body.id)).map((m) => m.dispatch_state);
    assert.equal(states.filter((s) => s === 'paused').length, audience.length - sentAtPause, JSON.stringify(states));
    const listed = await w.t.api.get(path(`/messages?campaign_id=${a.body.id}&dispatch_state=paused&limit=100`));
    assert.equal(listed.body.data.length, audience.length - sentAtPause);

    const b = await w.t.api.post(path('/campaigns'), { name: 'B', body: 'campaign B', audience: { customer_ids: audience.slice(0, 5) } });
    await w.t.api.post(path(`/campaigns/${b.body.id}/launch`));
    await eventually(async () => (sentWithBody(w, 'campaign B') === 5 ? true : undefined));
    await sleep(500);
    assert.equal(sentWithBody(w, 'campaign A'), sentAtPause, 'nothing of A went out while paused');

    const resumed = await w.t.api.post(path(`/campaigns/${a.body.id}/resume`));
    assert.equal(resumed.status, 200, JSON.stringify(resumed.body));
    assert.equal(resumed.body.state, 'launched');
    await eventually(async () => (sentWithBody(w, 'campaign A') === audience.length ? true : undefined), 15_000);
    const again = await w.t.api.post(path(`/campaigns/${a.body.id}/resume`));
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'campaign_not_paused');
  });

  test('state changes a campaign does not allow are 409 with a code', async () => {
    const c = await w.t.api.post(path('/campaigns'), { name: 'States', body: 'states', audience: { customer_ids: ['pc-0'] } });
    const pause = await w.t.api.post(path(`/campaigns/${c.body.id}/pause`));
    assert.equal(pause.status, 409);
    assert.equal(pause.body.error.code, 'campaign_not_launched');
    const cancel = await w.t.api.post(path(`/campaigns/${c.body.id}/cancel`));
    assert.equal(cancel.status, 200);
    assert.equal(cancel.body.state, 'cancelled');
    assert.equal(cancel.body.cancelled_messages, 0);
    for (const [op, body, code] of [
      ['resume', undefined, 'campaign_cancelled'],
      ['pause', undefined, 'campaign_cancelled'],
      ['launch', undefined, 'campaign_cancelled'],
      ['schedule', { send_at: iso(Date.now() + 60_000) }, 'campaign_cancelled'],
    ] as const) {
      const res = await w.t.api.post(path(`/campaigns/${c.body.id}/${op}`), body);
      assert.equal(res.status, 409, op);
      assert.equal(res.body.error.code, code, op);
    }
    assert.equal((await w.t.api.post(path(`/campaigns/${c.body.id}/cancel`))).status, 200, 'cancelling again changes nothing');
    const missing = await w.t.api.post(path('/campaigns/cmp_nope/cancel'));
    assert.equal(missing.status, 404);
  });

  test('a scheduled campaign that is cancelled never launches', async () => {
    const c = await w.t.api.post(path('/campaigns'), { name: 'Sched', body: 'never sent', send_at: iso(Date.now() + 300), audience: { customer_ids: ['pc-1'] } });
    await w.t.api.post(path(`/campaigns/${c.body.id}/cancel`));
    await sleep(1500);
    assert.equal((await w.t.api.get(path(`/campaigns/${c.body.id}`))).body.state, 'cancelled');
    assert.equal((await campaignMessages(w, c.body.id)).length, 0);
  });
});

test('cancel: what is queued or claimed is cancelled with its reason; the message being sent is not', async () => {
  const w = await sinchWorld();
  const path = (p: string) => `/api/v1/projects/${w.projectId}${p}`;
  const gate = new ProviderProxy(w.sandbox.url);
  gate.holdPosts = true;
  const gateUrl = await gate.listen();
  try {
    const integration = await w.t.api.post(path('/integrations'), {
      provider: 'sinch_sms',
      name: 'Gated',
      config: { service_plan_id: 'plan1', region: 'us', base_url: gateUrl },
      secrets: { api_token: 'token-1' },
      max_concurrency: 1,
    });
    assert.equal(integration.status, 201, JSON.stringify(integration.body));
    const ids = Array.from({ length: 20 }, (_, i) => `cx-${i}`);
    await addCustomers(w, ids.map((id, i) => ({ customer_id: id, phone: `+120255508${String(i).padStart(2, '0')}` })));
    const c = await w.t.api.post(path('/campaigns'), { name: 'Cancel me', body: 'cancel me', integration_id: integration.body.id, audience: { customer_ids: ids } });
    await w.t.api.post(path(`/campaigns/${c.body.id}/launch`));
    // One send is held at the gate: under way, handed to the provider, not answered.
    await eventually(async () => (gate.held === 1 ? true : undefined));
    const inFlight = (await campaignMessages(w, c.body.id)).filter((m) => m.request_started_at !== null);
    assert.equal(inFlight.length, 1);
    const claimed = (await campaignMessages(w, c.body.id)).filter((m) => m.dispatch_state === 'sending').length;
    assert.ok(claimed > 1, `a sender holds claimed messages (${claimed}) besides the one in flight`);

    const cancelled = await w.t.api.post(path(`/campaigns/${c.body.id}/cancel`));
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    assert.equal(cancelled.body.state, 'cancelled');
    assert.equal(cancelled.body.cancelled_messages, ids.length - 1);
    gate.releaseAll();

    const sent = await eventually(async () => {
      const m = await w.t.api.get(path(`/messages/${inFlight[0]!.id}`));
      return m.body.dispatch_state === 'done' ? m.body : undefined;
    });
    assert.ok(['enqueued', 'sent', 'delivered'].includes(sent.status), sent.status);
    assert.ok(sent.provider_message_id);
    assert.equal(sent.last_error, null);
    const rows = await campaignMessages(w, c.body.id);
    assert.equal(rows.filter((m) => m.dispatch_state === 'cancelled').length, ids.length - 1);
    const other = rows.find((m) => m.id !== inFlight[0]!.id)!;
    const shown = await w.t.api.get(path(`/messages/${other.id}`));
    assert.equal(shown.body.dispatch_state, 'cancelled');
    assert.deepEqual(shown.body.last_error, { reason: 'campaign_cancelled' });
    await sleep(300);
    assert.equal(gate.held, 0, 'nothing else was sent');
    assert.equal(sentWithBody(w, 'cancel me'), 1);
    // The stats count them as cancelled, not as still waiting to go.
    const stats = await w.t.api.get(path(`/campaigns/${c.body.id}/stats`));
    assert.equal(stats.body.funnel.cancelled, ids.length - 1);
    assert.equal(stats.body.funnel.waiting, 0);
    assert.equal(stats.body.current_status.cancelled, ids.length - 1);
    assert.equal(stats.body.current_status.queued, undefined);
  } finally {
    await gate.close();
    await w.close();
  }
});

describe('a pause or cancel during the fan-out', () => {
  let w: SinchWorld;
  let gate: ProviderProxy;
  let integrationId: string;
  const path = (p: string) => `/api/v1/projects/${w.projectId}${p}`;
  const N = 25_000; // five chunks
  before(async () => {
    w = await sinchWorld();
    gate = new ProviderProxy(w.sandbox.url);
    gate.holdPosts = true;
    // Sends are held at the gate: the test looks at the fan-out, not at thousands of sends.
    const integration = await w.t.api.post(path('/integrations'), {
      provider: 'sinch_sms',
      name: 'Gated',
      config: { service_plan_id: 'plan1', region: 'us', base_url: await gate.listen() },
      secrets: { api_token: 'token-1' },
      max_concurrency: 1,
    });
    integrationId = integration.body.id;
    const rows = Array.from({ length: N }, (_, i) =>
      customerRow(`cus_fo${String(i).padStart(6, '0')}`, w.projectId, { customer_id: `fo-${i}`, phone: `+1202555${String(i).padStart(4, '0')}`, country: 'US' }),
    );
    for (let i = 0; i < rows.length; i += 500) await w.t.hub.db.insertInto('customers').values(rows.slice(i, i + 500)).execute();
  });
  after(async () => {
    await gate.close();
    await w.close();
  });

  async function launchAndStopAfterFirstChunk(op: 'pause' | 'cancel'): Promise<string> {
    const c = await w.t.api.post(path('/campaigns'), { name: op, body: `${op} mid fan-out`, integration_id: integrationId, audience: { customer_ids: Array.from({ length: N }, (_, i) => `fo-${i}`) } });
    const launch = launchCampaign(w.t.hub.messaging, w.projectId, c.body.id);
    // As soon as the first chunk is in: called in process, so the pause or cancel is queued for
    // the store's connection ahead of the chunks still to come.
    const count = async () => Number((await w.t.hub.db.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).where('campaign_id', '=', c.body.id).executeTakeFirstOrThrow()).n);
    while ((await count()) === 0) await new Promise((r) => setImmediate(r));
    const stopped = op === 'pause' ? await pauseCampaign(w.t.hub.messaging, w.projectId, c.body.id) : await cancelCampaign(w.t.hub.messaging, w.projectId, c.body.id);
    assert.equal(stopped.state, op === 'pause' ? 'paused' : 'cancelled');
    await launch;
    return c.body.id as string;
  }

  test('paused: the fan-out stops between chunks, and resume runs it on to the end', async () => {
    const id = await launchAndStopAfterFirstChunk('pause');
    const campaign = (await w.t.api.get(path(`/campaigns/${id}`))).body;
    assert.equal(campaign.state, 'paused');
    assert.equal(campaign.launch_summary, null, 'the fan-out did not finish');
    const rows = await campaignMessages(w, id);
    assert.ok(rows.length < N, `${rows.length} queued before the pause stopped the fan-out`);
    assert.equal(rows.filter((m) => m.dispatch_state === 'queued').length, 0, 'nothing claimable while paused');
    await sleep(300);
    assert.equal((await campaignMessages(w, id)).length, rows.length, 'no chunk after the pause');

    const resumed = await w.t.api.post(path(`/campaigns/${id}/resume`));
    assert.equal(resumed.status, 200);
    assert.equal(resumed.body.state, 'launching');
    const done = await eventually(async () => {
      const c = await w.t.api.get(path(`/campaigns/${id}`));
      return c.body.state === 'launched' ? c.body : undefined;
    }, 30_000);
    assert.equal(done.launch_summary.queued, N);
    assert.equal((await campaignMessages(w, id)).length, N);
    await w.t.api.post(path(`/campaigns/${id}/cancel`));
  });

  test('paused and resumed at once, while the fan-out runs: it runs to the end', async () => {
    const c = await w.t.api.post(path('/campaigns'), { name: 'blink', body: 'blink', integration_id: integrationId, audience: { customer_ids: Array.from({ length: N }, (_, i) => `fo-${i}`) } });
    const launch = w.t.hub.launch(w.projectId, c.body.id);
    const count = async () => Number((await w.t.hub.db.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).where('campaign_id', '=', c.body.id).executeTakeFirstOrThrow()).n);
    while ((await count()) === 0) await new Promise((r) => setImmediate(r));
    await pauseCampaign(w.t.hub.messaging, w.projectId, c.body.id);
    const { relaunch } = await resumeCampaign(w.t.hub.messaging, w.projectId, c.body.id);
    assert.equal(relaunch, true);
    w.t.hub.continueLaunch(w.projectId, c.body.id);
    await launch;
    const done = await eventually(async () => {
      const res = await w.t.api.get(path(`/campaigns/${c.body.id}`));
      return res.body.state === 'launched' ? res.body : undefined;
    }, 30_000);
    assert.equal(done.launch_summary.queued, N);
    assert.equal(await count(), N);
    await w.t.api.post(path(`/campaigns/${c.body.id}/cancel`));
  });

  test('cancelled: the fan-out stops, what it queued is cancelled, and its summary says how far it got', async () => {
    const id = await launchAndStopAfterFirstChunk('cancel');
    const campaign = (await w.t.api.get(path(`/campaigns/${id}`))).body;
    assert.equal(campaign.state, 'cancelled');
    const rows = await campaignMessages(w, id);
    assert.ok(rows.length < N);
    assert.equal(campaign.launch_summary.queued, rows.length);
    const waiting = rows.filter((m) => m.dispatch_state === 'queued' || m.dispatch_state === 'paused');
    assert.equal(waiting.length, 0);
    const cancelled = rows.filter((m) => m.dispatch_state === 'cancelled').length;
    assert.equal(campaign.cancelled_messages, cancelled);
    assert.ok(cancelled >= rows.length - 1, 'at most the one send under way is not cancelled');
  });
});

test('after a crash, what a sender had claimed of a cancelled campaign and not sent stays cancelled', async () => {
  const w = await sinchWorld();
  const dataDir = w.t.dataDir;
  try {
    await addCustomers(w, [
      { customer_id: 'k-1', phone: '+12025550641' },
      { customer_id: 'k-2', phone: '+12025550642' },
    ]);
    const c = await w.t.api.post(`/api/v1/projects/${w.projectId}/campaigns`, { name: 'Crash', body: 'claimed then cancelled', audience: { customer_ids: ['k-1', 'k-2'] } });
    const customers = await w.t.hub.db.selectFrom('customers').select(['id', 'customer_id', 'phone']).where('customer_id', 'in', ['k-1', 'k-2']).orderBy('customer_id').execute();
    await w.t.close({ keepData: true });
    // As a dead process leaves it: two messages claimed, one of them with its request started,
    // and the cancel committed before the claims were dropped.
    const db = openDatabase(`sqlite://${join(dataDir, 'switchboard.db')}`);
    const [never, started] = customers.map((cu, i) =>
      messageRow(newId('msg'), {
        project_id: w.projectId,
        integration_id: w.integrationId,
        campaign_id: c.body.id,
        message_type: 'campaign',
        customer_ref: cu.id,
        customer_id: cu.customer_id,
        recipient: cu.phone!,
        body: 'claimed then cancelled',
        dispatch_state: 'sending',
        claimed_by: 'dead',
        next_attempt_at: Date.now(),
        deadline_at: Date.now() + 3_600_000,
        request_started_at: i === 1 ? Date.now() : null,
        created_at: Date.now(),
      }),
    );
    await db.insertInto('messages').values([never!, started!]).execute();
    await db.updateTable('campaigns').set({ state: 'cancelled', cancelled_messages: 0 }).where('id', '=', c.body.id).execute();
    await db.destroy();

    const t2 = await startHub({ dataDir });
    try {
      const path = (p: string) => `/api/v1/projects/${w.projectId}${p}`;
      const shown = (await t2.api.get(path(`/messages/${never!.id}`))).body;
      assert.equal(shown.dispatch_state, 'cancelled');
      assert.deepEqual(shown.last_error, { reason: 'campaign_cancelled' });
      assert.equal((await t2.api.get(path(`/campaigns/${c.body.id}`))).body.cancelled_messages, 1);
      // Its request had started: it may be at the provider, so the cancel does not touch it.
      const resent = await eventually(async () => {
        const m = (await t2.api.get(path(`/messages/${started!.id}`))).body;
        return m.dispatch_state === 'done' ? m : undefined;
      });
      assert.notEqual(resent.dispatch_state, 'cancelled');
      assert.equal(sentWithBody(w, 'claimed then cancelled'), 1);
    } finally {
      await t2.close();
    }
  } finally {
    await w.sandbox.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
