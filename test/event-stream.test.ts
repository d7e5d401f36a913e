// The live event stream: server-sent events as they are recorded, with the list's filters,
// resumable with Last-Event-ID, ended cleanly when the client or the server goes away.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { resumeFrom } from '../src/api/v1/event-stream.js';
import { sinchWorld, type SinchWorld } from './fixtures.js';

interface SseEvent {
  id: string | undefined;
  event: string | undefined;
  data: any;
}

/** An open stream: the parsed events so far, and a way to wait for more. */
async function openStream(w: SinchWorld, query = '', headers: Record<string, string> = {}) {
  const ac = new AbortController();
  const res = await request(`${w.t.url}/api/v1/projects/${w.projectId}/events/stream${query}`, {
    headers: { authorization: `Bearer ${w.t.adminToken}`, ...headers },
    signal: ac.signal,
  });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  let buffer = '';
  let ended = false;
  const reading = (async () => {
    try {
      for await (const chunk of res.body) {
        buffer += (chunk as Buffer).toString('utf8');
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const fields = new Map<string, string>();
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line);
            else {
              const i = line.indexOf(':');
              fields.set(line.slice(0, i), line.slice(i + 1).trimStart());
            }
          }
          if (fields.has('data')) events.push({ id: fields.get('id'), event: fields.get('event'), data: JSON.parse(fields.get('data')!) });
        }
      }
    } catch {
      /* aborted */
    }
    ended = true;
  })();
  const waitFor = async (pred: (e: SseEvent[]) => boolean, what: string, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!pred(events)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(events.map((e) => e.data.properties?.status))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return {
    res,
    events,
    comments,
    waitFor,
    get ended() {
      return ended;
    },
    async close() {
      ac.abort();
      await reading;
    },
    reading,
  };
}

describe('event stream', () => {
  let w: SinchWorld;
  before(async () => {
    w = await sinchWorld({ app: { eventStream: { pollMs: 20, heartbeatMs: 200 } } });
  });
  after(async () => {
    await w.close();
  });
  const send = (phone: string) => w.t.api.post(`/api/v1/projects/${w.projectId}/messages`, { phone, body: 'Live' });

  test('streams new events as they are recorded, filtered, then resumes after Last-Event-ID', async () => {
    const all = await openStream(w);
    assert.equal(all.res.statusCode, 200);
    assert.match(String(all.res.headers['content-type']), /^text\/event-stream/);
    const msg = await send('+14155550100');
    const mine = await openStream(w, `?message_id=${msg.body.id}&last_event_id=0`);
    await mine.waitFor((e) => e.some((x) => x.data.properties.status === 'delivered'), 'delivered');
    const statuses = mine.events.map((e) => e.data.properties.status);
    assert.deepEqual(statuses.slice(0, 3), ['enqueued', 'sent', 'delivered']);
    for (const e of mine.events) {
      assert.equal(e.event, 'event');
      assert.equal(e.id, e.data.id);
      assert.equal(e.data.properties.message_id, msg.body.id);
    }
    await all.waitFor((e) => e.some((x) => x.data.properties.message_id === msg.body.id && x.data.properties.status === 'delivered'), 'the unfiltered stream');
    const ids = all.events.map((e) => Number(e.id));
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'in id order');
    assert.equal(new Set(ids).size, ids.length, 'each event once');
    await all.close();

    // Resuming after the first event gives exactly the rest, nothing twice.
    const first = mine.events[0]!.id!;
    await mine.close();
    const resumed = await openStream(w, `?message_id=${msg.body.id}`, { 'last-event-id': first });
    await resumed.waitFor((e) => e.length >= statuses.length - 1, 'the rest');
    assert.deepEqual(resumed.events.map((e) => e.data.properties.status), statuses.slice(1));
    await resumed.close();
  });

  test('an idle stream gets keep-alive comments', async () => {
    const s = await openStream(w, '?message_id=msg_none');
    const deadline = Date.now() + 5000;
    while (s.comments.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(s.comments.some((c) => c.startsWith(': keep-alive')));
    await s.close();
  });

  test('bad requests are refused before the stream opens', async () => {
    const cases: [string, Record<string, string>, number, string | undefined][] = [
      ['?customer_id=nobody', {}, 404, 'customer_id'],
      ['', { 'last-event-id': 'abc' }, 400, 'Last-Event-ID'],
      ['?last_event_id=-1', {}, 400, 'last_event_id'],
    ];
    for (const [q, headers, status, field] of cases) {
      const res = await w.t.api.call('GET', `/api/v1/projects/${w.projectId}/events/stream${q}`, undefined, headers);
      assert.equal(res.status, status, q);
      assert.equal(res.body.error.field, field, q);
    }
    const anonymous = await w.t.api.withToken(null).get(`/api/v1/projects/${w.projectId}/events/stream`);
    assert.equal(anonymous.status, 401);
  });

  test('resumeFrom prefers the header and accepts only event ids', () => {
    assert.equal(resumeFrom(undefined, undefined), null);
    assert.deepEqual(resumeFrom('42', '7'), { after: 42, field: 'Last-Event-ID' });
    assert.deepEqual(resumeFrom(undefined, '7'), { after: 7, field: 'last_event_id' });
    assert.deepEqual(resumeFrom(['9', '10'], undefined), { after: 9, field: 'Last-Event-ID' });
    assert.throws(() => resumeFrom('1e3', undefined), /Last-Event-ID/);
  });

  test('closing the server ends open streams instead of waiting for them', { timeout: 15_000 }, async () => {
    const other = await sinchWorld({ app: { eventStream: { pollMs: 20 } } });
    const s = await openStream(other);
    const started = Date.now();
    await other.close();
    await s.reading;
    assert.ok(s.ended);
    assert.ok(Date.now() - started < 5000);
  });
});
