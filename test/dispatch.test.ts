// The dispatcher against real HTTP servers: the rate limit holds in every one-second window and
// is used while there is a backlog, one slow integration never delays another, and sends handed
// to an idle sender in memory keep their order and survive the sender being replaced.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { sendTransactional, type QueueSignal } from '../src/services/messages.js';
import { messageEvents, sinchWorld, type SinchWorld } from './fixtures.js';
import { eventually } from './helpers.js';

describe('dispatch', () => {
  let w: SinchWorld;
  let stuck: Server;
  let stuckUrl: string;
  const held: (() => void)[] = [];

  before(async () => {
    w = await sinchWorld();
    // A provider that takes every request and answers none until released.
    stuck = createServer((req, res) => {
      req.resume();
      held.push(() => {
        res.writeHead(503).end();
      });
    });
    await new Promise<void>((r) => stuck.listen(0, '127.0.0.1', r));
    const addr = stuck.address();
    stuckUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  });
  after(async () => {
    for (const release of held) release();
    stuck.closeAllConnections();
    await new Promise((r) => stuck.close(r));
    await w.close();
  });

  test('never more parts than the limit in any one-second window, and at least 95% of it used', async () => {
    const limit = 20;
    const iid = await limitedIntegration(limit);
    // Mixed 1, 2 and 3 part messages (GSM-7: 160 / 306 / 459 characters).
    const lengths = [100, 200, 400];
    const sent = await Promise.all(
      Array.from({ length: 45 }, (_, i) =>
        w.t.api.post(`/api/v1/projects/${w.projectId}/messages`, {
          phone: `+1202555${String(1000 + i)}`,
          body: 'r'.repeat(lengths[i % 3]!),
          integration_id: iid,
        }),
      ),
    );
    const parts = new Map<string, number>(sent.map((s) => [s.body.id as string, s.body.parts as number]));
    assert.deepEqual([...new Set(parts.values())].sort(), [1, 2, 3]);
    await eventually(async () => {
      const n = w.sandbox.batches.filter((b) => parts.has(b.batch.client_reference ?? '')).length;
      return n === parts.size ? true : undefined;
    }, 30_000, 'all batches');
    const arrivals = w.sandbox.batches
      .filter((b) => parts.has(b.batch.client_reference ?? ''))
      .map((b) => ({ t: Date.parse(b.received.at), w: parts.get(b.batch.client_reference!)! }))
      .sort((a, b) => a.t - b.t);
    let max = 0;
    for (let i = 0, start = 0, sum = 0; i < arrivals.length; i++) {
      sum += arrivals[i]!.w;
      while (arrivals[i]!.t - arrivals[start]!.t >= 1000) sum -= arrivals[start++]!.w;
      max = Math.max(max, sum);
    }
    assert.ok(max <= limit, `${max} parts in one window, limit ${limit}`);
    const total = arrivals.reduce((a, b) => a + b.w, 0) - arrivals.at(-1)!.w;
    const seconds = (arrivals.at(-1)!.t - arrivals[0]!.t) / 1000;
    assert.ok(total / seconds >= limit * 0.95, `used ${(total / seconds).toFixed(2)} parts/s of ${limit}`);
  });

  test('a rate limit changed while a backlog drains lets no burst through', async () => {
    // The window after the change holds the sends made before it: at most the new limit, and
    // never a fresh window's worth on top of the old one's (without that, 20 -> 25 sent 45).
    const iid = await limitedIntegration(20);
    const ids = new Set<string>();
    for (const res of await Promise.all(
      Array.from({ length: 70 }, (_, i) => w.t.api.post(`/api/v1/projects/${w.projectId}/messages`, { phone: `+1202555${6000 + i}`, body: 'drain', integration_id: iid })),
    ))
      ids.add(res.body.id as string);
    const arrived = () => w.sandbox.batches.filter((b) => ids.has(b.batch.client_reference ?? ''));
    // Mid-drain: the first second's 20 were sent, the window is full.
    await eventually(async () => (arrived().length >= 25 ? true : undefined), 10_000, 'the backlog under way');
    assert.equal((await w.t.api.patch(`/api/v1/projects/${w.projectId}/integrations/${iid}`, { rate_limit: 25 })).status, 200);
    await eventually(async () => (arrived().length === ids.size ? true : undefined), 15_000, 'all batches');
    const times = arrived()
      .map((b) => Date.parse(b.received.at))
      .sort((a, b) => a - b);
    let max = 0;
    for (let i = 0, start = 0; i < times.length; i++) {
      while (times[i]! - times[start]! >= 1000) start++;
      max = Math.max(max, i - start + 1);
    }
    assert.ok(max <= 25, `${max} sends in one window across the change`);
  });

  test('a retry whose deadline passes while it waits for the rate window is refused, not sent again', async () => {
    // One part a second and a one-second deadline; each number's first send answers 503. The
    // first message goes at once and is due again well inside its deadline, but the rate window
    // holds it past it: it must be refused with its 503 kept, not sent late (before: a retry went
    // out at 77 s of a 75 s deadline). The others are tried once, after their deadline, and
    // refused on their 503 as before.
    const res = await w.t.api.post(`/api/v1/projects/${w.projectId}/integrations`, {
      provider: 'sinch_sms',
      config: { service_plan_id: 'plan1', base_url: w.sandbox.url },
      secrets: { api_token: 'token-1' },
      rate_limit: 1,
      retry_deadline_seconds: 1,
    });
    assert.equal(res.status, 201);
    const phones = ['+12025550010', '+12035550010', '+12065550010'];
    const posted = await Promise.all(phones.map((phone) => w.t.api.post(`/api/v1/projects/${w.projectId}/messages`, { phone, body: 'late', integration_id: res.body.id })));
    const ids = posted.map((p) => p.body.id as string);
    const settled = await eventually(async () => {
      const rows = await w.t.hub.db.selectFrom('messages').select(['id', 'status', 'dispatch_state', 'attempts', 'last_error']).where('id', 'in', ids).execute();
      return rows.every((r) => r.dispatch_state === 'done') ? rows : undefined;
    }, 15_000, 'all messages settled');
    for (const r of settled) {
      assert.equal(r.status, 'refused', JSON.stringify(r));
      const sends = w.sandbox.requests.filter((q) => q.method === 'POST' && q.body?.includes(`"client_reference":"${r.id}"`));
      assert.equal(sends.length, 1, `one request for ${r.id}`);
      assert.equal(r.attempts, 1);
      assert.equal(JSON.parse(r.last_error!).status_code, 503);
    }
  });

  test('under a rate limit the sender keeps its lookahead full, so small messages use what big ones leave', async () => {
    // Eight 3-part messages (a full lookahead) queued ahead of 1-part ones, then 7 parts/s: a
    // sender that used up what it held before claiming more would send 6 parts a window until
    // the 3-part ones were gone; topped up as it sends, a 1-part message joins each window.
    const iid = await limitedIntegration(0.001);
    const post = (i: number, chars: number) =>
      w.t.api.post(`/api/v1/projects/${w.projectId}/messages`, { phone: `+1202555${5000 + i}`, body: 'b'.repeat(chars), integration_id: iid });
    // The first goes out alone in the empty window; the rest wait.
    await post(0, 10);
    const parts = new Map<string, number>();
    for (let i = 1; i <= 16; i++) {
      const res = await post(i, i <= 8 ? 400 : 100);
      assert.equal(res.body.parts, i <= 8 ? 3 : 1);
      parts.set(res.body.id, res.body.parts);
    }
    assert.equal((await w.t.api.patch(`/api/v1/projects/${w.projectId}/integrations/${iid}`, { rate_limit: 7 })).status, 200);
    const arrivals = await eventually(async () => {
      const got = w.sandbox.batches.filter((b) => parts.has(b.batch.client_reference ?? '')).map((b) => parts.get(b.batch.client_reference!)!);
      return got.filter((p) => p === 3).length === 8 ? got : undefined;
    }, 15_000, 'the 3-part messages at the provider');
    const smallAhead = arrivals.slice(0, arrivals.lastIndexOf(3)).filter((p) => p === 1).length;
    assert.ok(smallAhead >= 3, `1-part messages sent alongside the 3-part ones: ${smallAhead} (${arrivals.join(' ')})`);
  });

  test('a stuck integration does not delay another', async () => {
    const slow = await w.t.api.post(`/api/v1/projects/${w.projectId}/integrations`, {
      provider: 'sinch_sms',
      config: { service_plan_id: 'plan1', base_url: stuckUrl },
      secrets: { api_token: 'token-1' },
      max_concurrency: 2,
    });
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        w.t.api.post(`/api/v1/projects/${w.projectId}/messages`, { phone: `+1202555${2000 + i}`, body: 'stuck', integration_id: slow.body.id }),
      ),
    );
    await eventually(async () => (held.length >= 2 ? true : undefined), 5000, 'the stuck provider to hold requests');
    const started = Date.now();
    const fast = await Promise.all(
      Array.from({ length: 5 }, (_, i) => w.t.api.post(`/api/v1/projects/${w.projectId}/messages`, { phone: `+1202555${3000 + i}`, body: 'fast' })),
    );
    for (const f of fast) await messageEvents(w, f.body.id, (e) => e.length >= 1, 3000);
    assert.ok(Date.now() - started < 3000);
  });

  test('sends to an idle sender are handed over already claimed, and still go out in the order they were queued', async () => {
    // 5 parts/s: the first sends are handed over until the sender holds a claim's worth, the
    // rest are queued for it to claim; all must reach the provider in the order of the 202s.
    const iid = await limitedIntegration(5);
    await idleSender(iid);
    const ids: string[] = [];
    const states: string[] = [];
    for (let i = 0; i < 18; i++) {
      // A pause once some wait in the queue: the sender has room again, but older work too.
      if (i === 14) await new Promise((r) => setTimeout(r, 1300));
      const res = await w.t.api.post(`/api/v1/projects/${w.projectId}/messages`, { phone: `+1202555${4000 + i}`, body: `in order ${i}`, integration_id: iid });
      assert.equal(res.status, 202);
      ids.push(res.body.id);
      states.push(res.body.dispatch_state);
      const row = await w.t.hub.db.selectFrom('messages').select(['dispatch_state', 'claimed_by']).where('id', '=', res.body.id).executeTakeFirstOrThrow();
      if (res.body.dispatch_state === 'sending') assert.equal(row.claimed_by, w.t.hub.dispatcher.workerId, 'stored claimed by this sender');
    }
    // The sender was idle just before the first; on a loaded machine its idle spell (up to a
    // poll) can end before the request arrives, so the first may be queued, but not all.
    assert.ok(states.includes('sending'), `some were handed over: ${states.join(' ')}`);
    assert.ok(states.includes('queued'), `some waited in the queue: ${states.join(' ')}`);
    const arrived = await eventually(async () => {
      const got = w.sandbox.batches.map((b) => b.batch.client_reference ?? '').filter((ref) => ids.includes(ref));
      return got.length === ids.length ? got : undefined;
    }, 15_000, 'all sends at the provider');
    assert.deepEqual([...arrived].sort(), [...ids].sort(), 'each reached the provider once');
    // The order the hub started the requests in (sent_at_us is taken just before each): requests
    // under way together can reach the provider in either order on a busy machine. The last
    // outcome may still be on its way to the store when the provider has the request.
    const startedAt = await eventually(async () => {
      const started = await w.t.hub.db.selectFrom('messages').select(['id', 'sent_at_us']).where('id', 'in', ids).execute();
      return started.every((m) => m.sent_at_us !== null) ? new Map(started.map((m) => [m.id, Number(m.sent_at_us)])) : undefined;
    }, 5000, 'every outcome stored');
    assert.deepEqual([...ids].sort((a, b) => startedAt.get(a)! - startedAt.get(b)!), ids, `started at: ${ids.map((id, i) => `${i} ${states[i]} ${startedAt.get(id)}`).join(', ')}`);
  });

  test('a handoff still open while its sender is replaced is handed back and sent', async () => {
    await idleSender(w.integrationId);
    const { queue, release } = heldHandoffs();
    const { message } = await sendTransactional({ ...w.t.hub.messaging, queue }, w.projectId, { phone: '+12025555100', body: 'held' }, null);
    assert.equal(message.dispatch_state, 'sending');
    // A config change replaces the worker; its stop waits for the open handoff.
    const changed = w.t.api.patch(`/api/v1/projects/${w.projectId}/integrations/${w.integrationId}`, { max_concurrency: 31 });
    assert.equal((await changed).status, 200);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(w.sandbox.batches.filter((b) => b.batch.client_reference === message.id).length, 0, 'not sent while held');
    release();
    const events = await messageEvents(w, message.id, (e) => e.some((x: any) => x.properties.status === 'enqueued'), 5000);
    assert.ok(events.length >= 1);
    assert.equal(w.sandbox.batches.filter((b) => b.batch.client_reference === message.id).length, 1, 'sent once');
  });

  test('an opt-out that lands while a handoff is on its way still stops the message', async () => {
    await idleSender(w.integrationId);
    const { queue, release } = heldHandoffs();
    const { message } = await sendTransactional({ ...w.t.hub.messaging, queue }, w.projectId, { phone: '+12025555200', body: 'not after STOP' }, null);
    assert.equal(message.dispatch_state, 'sending');
    // The customer opts out after the message was stored, before the worker has it.
    await w.t.hub.dispatcher.dropCustomer(message.customer_ref, ['sms', 'mms']);
    release();
    const row = await eventually(async () => {
      const r = await w.t.hub.db.selectFrom('messages').select(['dispatch_state', 'last_error']).where('id', '=', message.id).executeTakeFirstOrThrow();
      return r.dispatch_state === 'sending' ? undefined : r;
    }, 5000, 'the message settled');
    assert.deepEqual(row, { dispatch_state: 'cancelled', last_error: JSON.stringify({ reason: 'opted_out' }) });
    assert.equal(w.sandbox.batches.filter((b) => b.batch.client_reference === message.id).length, 0, 'never sent');
    // A send after the opt-out is the consent check's business, not the worker's: it goes out.
    const later = await sendTransactional(w.t.hub.messaging, w.projectId, { phone: '+12025555200', body: 'sent' }, null);
    await messageEvents(w, later.message.id, (e) => e.some((x: any) => x.properties.status === 'enqueued'), 5000);
  });

  /** The real dispatcher as a send's queue, with the delivery of each handed-over message held until released. */
  function heldHandoffs(): { queue: QueueSignal; release: () => void } {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const queue: QueueSignal = {
      notify: (id) => w.t.hub.dispatcher.notify(id),
      handoff: (id) => {
        const h = w.t.hub.dispatcher.handoff(id);
        return h && { claimedBy: h.claimedBy, deliver: (m) => void gate.then(() => h.deliver(m)), cancel: () => h.cancel() };
      },
    };
    return { queue, release };
  }

  /** A Sinch SMS integration to the sandbox with this rate limit (parts/s); its id. */
  async function limitedIntegration(rateLimit: number): Promise<string> {
    const res = await w.t.api.post(`/api/v1/projects/${w.projectId}/integrations`, {
      provider: 'sinch_sms',
      config: { service_plan_id: 'plan1', base_url: w.sandbox.url },
      secrets: { api_token: 'token-1' },
      rate_limit: rateLimit,
    });
    assert.equal(res.status, 201);
    return res.body.id as string;
  }

  /** Waits until the integration's sender has caught up with its queue and takes handoffs. */
  async function idleSender(iid: string): Promise<void> {
    await eventually(async () => {
      const h = w.t.hub.dispatcher.handoff(iid);
      h?.cancel();
      return h ? true : undefined;
    }, 5000, 'an idle sender');
  }
});

describe('dispatch with a long rate window', () => {
  let w: SinchWorld;
  before(async () => {
    // One part a minute: a sender with a message left waits most of a minute for the window.
    w = await sinchWorld({ hub: { dispatcher: { rateWindowMs: 60_000 } }, integration: { rate_limit: 1 } });
  });
  after(() => w.close());

  test('a sender waiting out its window is replaced at once when the integration changes', async () => {
    const post = (i: number) => w.t.api.post(`/api/v1/projects/${w.projectId}/messages`, { phone: `+1202555${7000 + i}`, body: 'window' });
    const first = await post(0);
    await eventually(async () => (w.sandbox.batches.some((b) => b.batch.client_reference === first.body.id) ? true : undefined), 5_000, 'the first message');
    const second = await post(1);
    assert.equal(second.status, 202);
    // Lifting the limit replaces the sender, which must not sit out the old window first.
    assert.equal((await w.t.api.patch(`/api/v1/projects/${w.projectId}/integrations/${w.integrationId}`, { rate_limit: null })).status, 200);
    await eventually(async () => (w.sandbox.batches.some((b) => b.batch.client_reference === second.body.id) ? true : undefined), 10_000, 'the second message, well within the old window');
  });
});
