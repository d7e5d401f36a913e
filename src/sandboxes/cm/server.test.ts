import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, test } from 'node:test';
import { CMTypes, MessageApiClient } from '@cmdotcom/text-sdk';
import { request } from 'undici';
import { XMLParser } from 'fast-xml-parser';
import { cleanupsAfterAll, startCallbackReceiver, type CallbackReceiver } from '../../providers/test-support/http-server.js';
import { createCmSandbox, type CmSandbox, type CmSandboxAccount, type CmSandboxOptions } from './server.js';

interface Received {
  path: string;
  contentType: string;
  raw: string;
  at: number;
}
type Receiver = CallbackReceiver<Received>;

const cleanups = cleanupsAfterAll();
const TOKEN = '6a1f0b52-3c4d-4e5f-8a9b-0c1d2e3f4a5b';

async function startReceiver(respond: Receiver['respond'] = () => 200): Promise<Receiver> {
  const receiver = await startCallbackReceiver<Received>(
    ({ path, headers, raw, at }) => ({ path, contentType: String(headers['content-type']), raw: raw.toString('utf8'), at }),
    { path: '/cm', respond },
  );
  cleanups.push(() => receiver.close());
  return receiver;
}

async function startSandbox(account: Partial<CmSandboxAccount> = {}, opts: Partial<CmSandboxOptions> = {}): Promise<CmSandbox> {
  const sandbox = createCmSandbox({ accounts: [{ token: TOKEN, ...account }], delays: { acceptedMs: 20, finalMs: 60 }, retryBaseMs: 20, ...opts });
  await sandbox.listen(0, '127.0.0.1');
  cleanups.push(() => sandbox.close());
  return sandbox;
}

const envelope = (msg: Record<string, unknown>, token: unknown = TOKEN) => ({
  messages: { authentication: { producttoken: token }, msg: [{ from: 'Brand', to: [{ number: '0031612340100' }], body: { type: 'auto', content: 'Hello' }, reference: 'ref1', ...msg }] },
});

async function post(sandbox: CmSandbox, body: unknown, path = '/v1.0/message'): Promise<{ status: number; headers: Record<string, unknown>; json: any; text: string }> {
  const res = await request(`${sandbox.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, headers: res.headers, json, text };
}

describe('CM.com sandbox: send', () => {
  test('a message is accepted with CM\'s answer, parts counted by the hub\'s rules', async () => {
    const sandbox = await startSandbox();
    const cases: [string, number, string][] = [
      ['Hello', 1, 'GSM-7'],
      ['x'.repeat(160), 1, 'GSM-7'],
      ['x'.repeat(161), 2, 'GSM-7'],
      ['Привет', 1, 'UCS-2'],
      ['П'.repeat(71), 2, 'UCS-2'],
    ];
    for (const [content, parts, encoding] of cases) {
      const res = await post(sandbox, envelope({ body: { type: 'auto', content } }));
      assert.equal(res.status, 200);
      assert.deepEqual(res.json, {
        details: 'Created 1 message(s)',
        errorCode: 0,
        messages: [{ to: '0031612340100', status: 'Accepted', reference: 'ref1', parts, messageDetails: null, messageErrorCode: 0 }],
      });
      assert.equal(sandbox.messages.at(-1)!.encoding, encoding);
    }
    // dcs 8 forces UCS-2 whatever the text.
    const forced = await post(sandbox, envelope({ body: { type: 'plain', content: 'x'.repeat(80) }, dcs: 8 }));
    assert.equal(forced.json.messages[0].parts, 2);
  });

  test('request-level errors: token, JSON, msg array', async () => {
    const sandbox = await startSandbox();
    const cases: [unknown, number, number][] = [
      [envelope({}, '11111111-2222-4333-8444-555555555555'), 401, 101],
      [envelope({}, null), 401, 101],
      [envelope({}, 'not-a-guid'), 401, 103],
      ['{', 400, 202],
      [{ nothing: 1 }, 400, 202],
      [{ messages: { authentication: { producttoken: TOKEN }, msg: [] } }, 400, 203],
    ];
    for (const [body, status, errorCode] of cases) {
      const res = await post(sandbox, body);
      assert.deepEqual([res.status, res.json.errorCode, res.json.messages], [status, errorCode, []], JSON.stringify(body));
      assert.equal(typeof res.json.details, 'string');
    }
    assert.equal(sandbox.messages.length, 0);
    // The token's case does not matter (a GUID).
    assert.equal((await post(sandbox, envelope({}, TOKEN.toUpperCase()))).status, 200);
  });

  test('message-level refusals answer 201 NotAllSent with the message code', async () => {
    const sandbox = await startSandbox();
    const cases: [Record<string, unknown>, number][] = [
      [{ from: undefined }, 301],
      [{ from: 'ThisIsTooLong' }, 301],
      [{ from: '12345678901234567' }, 301],
      [{ to: [] }, 302],
      [{ to: [{ number: '+31 6 1234' }] }, 303],
      [{ to: [{ number: '31612340100' }] }, 303],
      [{ body: { type: 'auto', content: '' } }, 304],
      [{ body: { type: 'auto', content: 'x'.repeat(153 * 8 + 1) } }, 304],
      [{ body: { type: 'auto', content: 'x'.repeat(200) }, maximumNumberOfMessageParts: 1 }, 304],
      [{ maximumNumberOfMessageParts: 9 }, 305],
      [{ body: { type: 'html', content: 'x' } }, 305],
      [{ reference: 'has_underscore' }, 305],
      [{ reference: 'x'.repeat(33) }, 305],
      [{ allowedChannels: ['WhatsApp'] }, 305],
      [{ to: [{ number: '0031612340004' }] }, 402],
      [{ to: [{ number: '0031612340005' }] }, 401],
    ];
    for (const [msg, code] of cases) {
      const res = await post(sandbox, envelope(msg));
      assert.equal(res.status, 400, JSON.stringify(msg));
      assert.equal(res.json.errorCode, 201);
      assert.equal(res.json.messages[0].status, 'Rejected');
      assert.equal(res.json.messages[0].messageErrorCode, code, JSON.stringify(msg));
      assert.equal(typeof res.json.messages[0].messageDetails, 'string');
    }
    assert.equal(sandbox.messages.length, 0);
    // One good and one bad recipient: the good one is sent.
    const mixed = await post(sandbox, envelope({ to: [{ number: '0031612340100' }, { number: 'bad' }] }));
    assert.deepEqual(mixed.json.messages.map((m: any) => [m.status, m.messageErrorCode]), [['Accepted', 0], ['Rejected', 303]]);
    assert.equal(sandbox.messages.length, 1);
  });

  test('test numbers force request errors; 0010 only once', async () => {
    const sandbox = await startSandbox();
    const to = (last4: string) => envelope({ to: [{ number: `003161234${last4}` }] });
    const r429 = await post(sandbox, to('0008'));
    assert.deepEqual([r429.status, r429.json.errorCode, r429.headers['retry-after']], [429, 999, '1']);
    const r500 = await post(sandbox, to('0009'));
    assert.deepEqual([r500.status, r500.json.errorCode], [500, 500]);
    const r999 = await post(sandbox, to('0011'));
    assert.deepEqual([r999.status, r999.json.errorCode], [500, 999]);
    const r102 = await post(sandbox, to('0012'));
    assert.deepEqual([r102.status, r102.json.errorCode], [402, 102]);
    const first = await post(sandbox, to('0010'));
    assert.deepEqual([first.status, first.text], [503, 'Service Unavailable']);
    assert.equal((await post(sandbox, to('0010'))).status, 200);
  });

  test('rate limit per account answers 429', async () => {
    const sandbox = await startSandbox({}, { ratePerSecond: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await post(sandbox, envelope({}))).status);
    assert.deepEqual(statuses, [200, 200, 429]);
  });
});

describe('CM.com sandbox: reports and incoming messages', () => {
  const parseXml = (raw: string) => new XMLParser({ ignoreAttributes: false, parseTagValue: false }).parse(raw);

  test('JSON status reports: Accepted then Delivered, failed and rejected numbers, to the account URL', async () => {
    const receiver = await startReceiver();
    const sandbox = await startSandbox({ statusUrl: receiver.url });
    for (const [last4, ref] of [['0100', 'refa'], ['0002', 'refb'], ['0003', 'refc']] as const) {
      await post(sandbox, envelope({ to: [{ number: `003161234${last4}` }], reference: ref }));
    }
    await sandbox.idle();
    const reports = receiver.received.map((r) => JSON.parse(r.raw).messages.msg);
    const byRef = (ref: string) => reports.filter((m) => m.reference === ref).map((m) => [m.status.code, m.status.errorCode, m.status.errorDescription]);
    assert.deepEqual(byRef('refa'), [['0', '', ''], ['2', '', '']]);
    assert.deepEqual(byRef('refb'), [['0', '', ''], ['3', '5', 'Unknown subscriber']]);
    assert.deepEqual(byRef('refc'), [['1', '11', 'Rejected by operator']]);
    for (const r of receiver.received) assert.equal(r.contentType, 'application/json');
    const one = reports[0];
    assert.equal(one.to, '0031612340100');
    assert.match(one.received, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    assert.equal(typeof one.operator, 'string');
  });

  test('XML status reports', async () => {
    const receiver = await startReceiver();
    const sandbox = await startSandbox({ statusUrl: receiver.url, reportFormat: 'xml' });
    await post(sandbox, envelope({ to: [{ number: '0031612340002' }], reference: 'refx' }));
    await sandbox.idle();
    assert.equal(receiver.received.length, 2);
    assert.equal(receiver.received[0]!.contentType, 'application/xml');
    const doc = parseXml(receiver.received[1]!.raw);
    assert.equal(doc.MESSAGES.MSG.REFERENCE, 'refx');
    assert.equal(doc.MESSAGES.MSG.TO, '0031612340002');
    assert.deepEqual(doc.MESSAGES.MSG.STATUS, { CODE: '3', ERRORCODE: '5', ERRORDESCRIPTION: 'Unknown subscriber' });
    assert.match(doc.MESSAGES.MSG['@_RECEIVED'], /^\d{4}-/);
  });

  test('silent, duplicate and out-of-order numbers; reports are retried until a 2xx', async () => {
    const receiver = await startReceiver((n) => (n === 0 ? 503 : 200));
    const sandbox = await startSandbox({ statusUrl: receiver.url });
    await post(sandbox, envelope({ to: [{ number: '0031612340007' }], reference: 'silent' }));
    await post(sandbox, envelope({ to: [{ number: '0031612340013' }], reference: 'dup' }));
    await post(sandbox, envelope({ to: [{ number: '0031612340014' }], reference: 'late' }));
    await sandbox.idle();
    // What the receiver took (2xx), in order: the report it refused once came again later.
    const taken = sandbox.callbacks.filter((c) => c.status === 200).map((c) => JSON.parse(c.body).messages.msg);
    const codes = (ref: string) => taken.filter((m) => m.reference === ref).map((m) => m.status.code);
    assert.deepEqual(codes('silent'), ['0']);
    assert.deepEqual(codes('dup'), ['0', '2', '2']);
    assert.deepEqual(codes('late'), ['2', '0']);
    assert.equal(sandbox.callbacks[0]!.status, 503);
    assert.equal(sandbox.callbacks.filter((c) => c.body === sandbox.callbacks[0]!.body).length, 2, 'the refused report came again');
  });

  test('incoming messages in the Business Messaging format, programmatic and over HTTP', async () => {
    const receiver = await startReceiver();
    const sandbox = await startSandbox({ inboundUrl: receiver.url });
    const result = await sandbox.injectInbound({ token: TOKEN, from: '+31612340777', to: '0031201234567', body: 'Yes' });
    assert.deepEqual(result, { status: 200 });
    const mo = JSON.parse(receiver.received[0]!.raw);
    assert.deepEqual([mo.from.number, mo.to.number, mo.message.text, mo.channel], ['+31612340777', '0031201234567', 'Yes', 'SMS']);
    assert.match(mo.timeUtc, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    const http = await post(sandbox, { producttoken: TOKEN, from: '+31612340778', to: '3669', body: 'STOP' }, '/sandbox/inbound');
    assert.deepEqual(http.json, { status: 200 });
    assert.equal(JSON.parse(receiver.received[1]!.raw).message.text, 'STOP');
    const denied = await post(sandbox, { producttoken: '11111111-2222-4333-8444-555555555555', from: '1', to: '2', body: 'x' }, '/sandbox/inbound');
    assert.equal(denied.status, 401);
  });
});

describe('CM.com sandbox: outage mode', () => {
  test('http_503 answers every API request with 503 until turned off; the control route keeps working', async () => {
    const sandbox = await startSandbox();
    const on = await request(`${sandbox.url}/sandbox/outage`, { method: 'PUT', body: JSON.stringify({ mode: 'http_503' }) });
    assert.deepEqual(await on.body.json(), { mode: 'http_503' });
    const down = await post(sandbox, envelope({}));
    assert.deepEqual([down.status, down.text], [503, 'Service Unavailable']);
    assert.equal(sandbox.messages.length, 0);
    const off = await request(`${sandbox.url}/sandbox/outage`, { method: 'PUT', body: JSON.stringify({ mode: 'off' }) });
    await off.body.dump();
    assert.equal((await post(sandbox, envelope({}))).status, 200);
    const bad = await request(`${sandbox.url}/sandbox/outage`, { method: 'PUT', body: '{"mode":"maybe"}' });
    assert.equal(bad.statusCode, 400);
    await bad.body.dump();
  });

  test('refuse drops every connection until turned off', async () => {
    const sandbox = await startSandbox();
    assert.equal((await post(sandbox, envelope({}))).status, 200); // a kept-alive connection exists now
    sandbox.setOutage('refuse');
    assert.equal(sandbox.outageMode(), 'refuse');
    await assert.rejects(post(sandbox, envelope({})));
    const { port } = new URL(sandbox.url);
    const closed = await new Promise<boolean>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1');
      socket.on('close', () => resolve(true));
      socket.on('error', () => {});
    });
    assert.equal(closed, true);
    sandbox.setOutage('off');
    assert.equal((await post(sandbox, envelope({}))).status, 200);
  });
});

describe('CM.com sandbox: the official Node SDK (@cmdotcom/text-sdk) works against it', () => {
  // The SDK's Message builder makes the envelope; its generated MessagesApi client, given the
  // sandbox as its basePath (a constructor argument), sends it. Nothing in the SDK is patched.
  function sdkSend(sandbox: CmSandbox, token: string, to: string, text: string, reference: string) {
    const envelope = new MessageApiClient(token).createMessage().setMessage([to], 'Brand', text, reference).setAllowedChannels(['SMS']);
    return new CMTypes.MessagesApi(sandbox.url).messagesSendMessage(envelope);
  }

  test('a send is accepted and the SDK reads the answer', async () => {
    const sandbox = await startSandbox();
    const res = await sdkSend(sandbox, TOKEN, '0031612340100', 'Hello from the SDK', 'sdkref1');
    assert.equal(res.status, 200);
    assert.equal(res.data.errorCode, 0);
    assert.deepEqual(res.data.messages[0], { to: '0031612340100', status: 'Accepted', reference: 'sdkref1', parts: 1, messageDetails: null, messageErrorCode: 0 });
    const sent = sandbox.messages.at(-1)!;
    assert.deepEqual([sent.content, sent.reference, sent.from], ['Hello from the SDK', 'sdkref1', 'Brand']);
    // The SDK spells the token productToken and the body type AUTO: both are read.
    const raw = JSON.parse(sandbox.requests.at(-1)!.body ?? '{}');
    assert.equal(raw.messages.authentication.productToken, TOKEN);
    assert.equal(raw.messages.msg[0].body.type, 'AUTO');
  });

  test('an error answer reaches the SDK as an HTTP error carrying CM\'s body', async () => {
    const sandbox = await startSandbox();
    await assert.rejects(sdkSend(sandbox, '11111111-2222-4333-8444-555555555555', '0031612340100', 'x', 'r'), (err: any) => {
      assert.equal(err.response.status, 401);
      assert.equal(err.response.data.errorCode, 101);
      return true;
    });
    await assert.rejects(sdkSend(sandbox, TOKEN, '0031612340004', 'x', 'r'), (err: any) => {
      assert.equal(err.response.data.errorCode, 201);
      assert.equal(err.response.data.messages[0].messageErrorCode, 402);
      return true;
    });
  });
});
