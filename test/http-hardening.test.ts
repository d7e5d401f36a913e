// Faults found by attacking the hub over HTTP: absurdly nested JSON, strings that cannot be stored
// as UTF-8, and slow clients holding sockets open. Each is refused at the edge and never takes the
// hub down for other clients.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startHub, type TestHub } from './helpers.js';

const nested = (depth: number, leaf = '1') => '{"a":'.repeat(depth) + leaf + '}'.repeat(depth);
const nestedArray = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('request bodies', () => {
  let t: TestHub;
  let pid: string;

  before(async () => {
    t = await startHub();
    pid = (await t.api.post('/api/v1/projects', { name: 'Hardening' })).body.id;
  });
  after(async () => {
    await t.close();
  });

  test('customer attributes nested thousands deep are a 400 too_deep, not a 500', async () => {
    const body = `{"customer_id":"deep","attributes":${nested(4500)}}`;
    const res = await t.api.post(`/api/v1/projects/${pid}/customers`, body);
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'too_deep');
    assert.match(res.body.error.message, /nest/);
    assert.equal((await t.api.get(`/api/v1/projects/${pid}/customers/deep`)).status, 404, 'nothing stored');
  });

  test('an integration config 20,000 deep is a 400 too_deep', async () => {
    const body = `{"provider":"sinch_sms","name":"deep","config":${nested(20_000)},"secrets":{"api_token":"x"}}`;
    const res = await t.api.post(`/api/v1/projects/${pid}/integrations`, body);
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'too_deep');
  });

  test('deep arrays count too; brackets inside strings do not', async () => {
    const arrays = await t.api.post(`/api/v1/projects/${pid}/customers`, `{"customer_id":"arr","attributes":{"x":${nestedArray(100_000)}}}`);
    assert.equal(arrays.status, 400, JSON.stringify(arrays.body));
    assert.equal(arrays.body.error.code, 'too_deep');
    const inString = await t.api.post(`/api/v1/projects/${pid}/customers`, { customer_id: 'str', attributes: { note: '[{'.repeat(500) + '\\"' } });
    assert.equal(inString.status, 201, JSON.stringify(inString.body));
  });

  test('ordinary nesting is accepted', async () => {
    const res = await t.api.post(`/api/v1/projects/${pid}/customers`, `{"customer_id":"ok","attributes":{"x":${nested(10)}}}`);
    assert.equal(res.status, 201, JSON.stringify(res.body));
  });

  for (const [what, json, field] of [
    ['a lone high surrogate', '{"customer_id":"s1","attributes":{"name":"\\ud800"}}', 'attributes.name'],
    ['a lone low surrogate', '{"customer_id":"s2","attributes":{"name":"x\\udc00y"}}', 'attributes.name'],
    ['a NUL', '{"customer_id":"s3","attributes":{"name":"a\\u0000b"}}', 'attributes.name'],
    ['a NUL in a top-level field', '{"customer_id":"s4\\u0000"}', 'customer_id'],
    ['a NUL in an array item', '{"customer_id":"s5","attributes":{"tags":["ok","a\\u0000"]}}', 'attributes.tags[1]'],
    ['a lone surrogate in a key', '{"customer_id":"s6","attributes":{"\\ud800":"v"}}', 'attributes'],
  ] as const) {
    test(`${what} is a 400 naming the field, and nothing is stored`, async () => {
      const res = await t.api.post(`/api/v1/projects/${pid}/customers`, json);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.error.code, 'invalid_string');
      assert.equal(res.body.error.field, field);
      const id = /"customer_id":"(s\d)/.exec(json)![1];
      assert.equal((await t.api.get(`/api/v1/projects/${pid}/customers/${id}`)).status, 404, 'nothing stored');
    });
  }

  test('surrogate pairs (emoji) and other control characters are fine', async () => {
    const res = await t.api.post(`/api/v1/projects/${pid}/customers`, '{"customer_id":"emoji","attributes":{"name":"\\ud83d\\ude00 \\t\\n ok"}}');
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.attributes.name, '😀 \t\n ok');
  });

  test('the raw-body webhook endpoint keeps its own parser: a deep body there is not judged', async () => {
    const res = await t.api.withToken(null).post('/webhooks/01UNKNOWN/some-token/delivery', nested(5000));
    assert.equal(res.status, 404, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'not_found');
  });

  test('a NUL in a query parameter is refused too', async () => {
    const res = await t.api.get(`/api/v1/projects/${pid}/customers?after=%00`);
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'invalid_string');
  });

  test('prototype poisoning is still refused', async () => {
    const res = await t.api.post(`/api/v1/projects/${pid}/customers`, '{"customer_id":"p","__proto__":{"x":1}}');
    assert.equal(res.status, 400, JSON.stringify(res.body));
  });
});

describe('slow clients', () => {
  let t: TestHub;

  before(async () => {
    t = await startHub({ env: { HTTP_REQUEST_TIMEOUT_MS: '1000', HTTP_HEADERS_TIMEOUT_MS: '1000' } });
  });
  after(async () => {
    await t.close();
  });

  /** Opens a socket, sends headers promising a body, and never sends it. */
  function stall(path: string): Promise<{ socket: Socket; closed: Promise<{ afterMs: number; data: string }> }> {
    const { port } = new URL(t.url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n`);
        const started = Date.now();
        let data = '';
        socket.on('data', (chunk) => (data += chunk.toString()));
        const closed = new Promise<{ afterMs: number; data: string }>((done) => socket.on('close', () => done({ afterMs: Date.now() - started, data })));
        resolve({ socket, closed });
      });
      socket.on('error', reject);
    });
  }

  test('a declared but unsent body is cut off within the request timeout, and /healthz still answers', async () => {
    const stalled = await Promise.all(Array.from({ length: 20 }, () => stall('/webhooks/01UNKNOWN/some-token/delivery')));
    try {
      const health = await t.api.get('/healthz');
      assert.equal(health.status, 200);
      const timeout = new Promise<'still open'>((r) => setTimeout(() => r('still open'), 4000).unref());
      const outcome = await Promise.race([stalled[0]!.closed, timeout]);
      assert.notEqual(outcome, 'still open', 'the stalled socket was not closed');
      if (outcome !== 'still open') {
        assert.ok(outcome.afterMs < 4000);
        if (outcome.data) assert.match(outcome.data, /^HTTP\/1\.1 408 /);
      }
      assert.equal((await t.api.get('/healthz')).status, 200);
    } finally {
      for (const s of stalled) s.socket.destroy();
    }
  });
});
