import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { describe, test } from 'node:test';
import { SinchClient, validateWebhookSignature } from '@sinch/sdk-core';
import { cleanupsAfterAll, startCallbackReceiver, type CallbackReceiver } from '../../providers/test-support/http-server.js';
import { createSinchSmsSandbox, type SinchSmsSandbox, type SinchSmsSandboxOptions } from './server.js';

// ---------------------------------------------------------------------------------------------
// Helpers: a loopback callback receiver and sandboxes that are closed after the run.

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  json: Record<string, unknown>;
  at: number;
}

type Receiver = CallbackReceiver<Received>;

const cleanups = cleanupsAfterAll();

async function startReceiver(respond: Receiver['respond'] = () => 200): Promise<Receiver> {
  const receiver = await startCallbackReceiver<Received>(
    ({ path, headers, raw, at }) => ({ path, headers, raw: raw.toString('utf8'), json: JSON.parse(raw.toString('utf8')), at }),
    { path: '/callbacks', respond, contentType: 'text/plain', body: 'ok' },
  );
  cleanups.push(() => receiver.close());
  return receiver;
}

const PLAN = { id: 'plan1', token: 'token-1' };

async function startSandbox(opts: Partial<SinchSmsSandboxOptions> = {}): Promise<SinchSmsSandbox> {
  const sandbox = createSinchSmsSandbox({
    servicePlans: [PLAN],
    delays: { dispatchedMs: 20, finalMs: 60 },
    retryBaseMs: 20,
    ...opts,
  });
  await sandbox.listen(0, '127.0.0.1');
  cleanups.push(() => sandbox.close());
  return sandbox;
}

function sdk(sandbox: SinchSmsSandbox, plan = PLAN): SinchClient {
  return new SinchClient({ servicePlanId: plan.id, apiToken: plan.token, smsRegion: 'eu', smsHostname: sandbox.url });
}

async function api(
  sandbox: SinchSmsSandbox,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${sandbox.url}/xms/v1/${PLAN.id}${path}`, {
    method,
    headers: { authorization: `Bearer ${PLAN.token}`, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : {} };
}

/** US numbers (which get delivery reports) ending in the given four digits. */
const us = (suffix: string) => `+1415555${suffix}`;

/** Status/code pairs received per recipient, in arrival order. */
function reportsByRecipient(receiver: Receiver): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const { json } of receiver.received) {
    if (json['type'] !== 'recipient_delivery_report_sms') continue;
    const key = String(json['recipient']);
    out.set(key, [...(out.get(key) ?? []), `${String(json['status'])}/${String(json['code'])}`]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

describe('Sinch SMS sandbox', () => {
  test('the official SDK sends, gets and lists batches unchanged', async () => {
    const sandbox = await startSandbox();
    const receiver = await startReceiver();
    const client = sdk(sandbox);

    const batch = await client.sms.batches.send({
      sendSMSRequestBody: {
        to: [us('0100')],
        from: '+15550001111',
        body: 'Hello from the sandbox',
        delivery_report: 'per_recipient',
        callback_url: receiver.url,
        client_reference: 'ref-sdk-1',
      },
    });
    assert.match(batch.id ?? '', /^[0-9A-Z]{26}$/);
    assert.equal(batch.canceled, false);
    assert.equal(batch.type, 'mt_text');
    assert.deepEqual(batch.to, [us('0100')]);
    assert.equal(batch.delivery_report, 'per_recipient');
    assert.ok(batch.created_at instanceof Date, 'the SDK revives created_at');
    assert.ok(batch.expire_at instanceof Date);

    const request = sandbox.requests.find((r) => r.method === 'POST');
    assert.equal(request?.url, `/xms/v1/${PLAN.id}/batches`);
    assert.equal(request?.headers['authorization'], `Bearer ${PLAN.token}`);
    assert.equal(request?.status, 201);
    assert.equal(JSON.parse(request?.body ?? '{}').body, 'Hello from the sandbox');
    assert.equal(sandbox.batches[0]?.batch.id, batch.id);

    const fetched = await client.sms.batches.get({ batch_id: batch.id! });
    assert.equal(fetched.id, batch.id);

    const page = await client.sms.batches.list({ client_reference: 'ref-sdk-1' });
    assert.deepEqual(page.data.map((b) => b.id), [batch.id]);
    const none = await client.sms.batches.list({ client_reference: 'other' });
    assert.equal(none.data.length, 0);

    await sandbox.idle();
    assert.deepEqual(reportsByRecipient(receiver).get(us('0100')), ['Dispatched/401', 'Delivered/0']);
    const delivered = receiver.received[1]!.json;
    assert.equal(delivered['batch_id'], batch.id);
    assert.equal(delivered['client_reference'], 'ref-sdk-1');
    assert.equal(typeof delivered['at'], 'string');
    assert.equal(typeof delivered['operator_status_at'], 'string');

    const report = await client.sms.deliveryReports.getForNumber({ batch_id: batch.id!, phone_number: us("0100") });
    assert.equal(report.status, 'Delivered');
  });

  test('a wrong token or an unknown service plan gets 401', async () => {
    const sandbox = await startSandbox();
    const client = sdk(sandbox, { id: PLAN.id, token: 'wrong' });
    await assert.rejects(
      client.sms.batches.send({ sendSMSRequestBody: { to: [us('0100')], from: '+15550001111', body: 'x' } }),
      (error: { statusCode?: number }) => error.statusCode === 401,
    );
    const unknownPlan = sdk(sandbox, { id: 'nope', token: PLAN.token });
    await assert.rejects(unknownPlan.sms.batches.get({ batch_id: 'x' }), (e: { statusCode?: number }) => e.statusCode === 401);
    // The read the hub's credentials check makes (list batches, page_size=1), as the SDK makes it.
    await assert.rejects(client.sms.batches.list({ page_size: 1 }), (e: { statusCode?: number }) => e.statusCode === 401);
    await assert.rejects(unknownPlan.sms.batches.list({ page_size: 1 }), (e: { statusCode?: number }) => e.statusCode === 401);
    assert.deepEqual((await sdk(sandbox).sms.batches.list({ page_size: 1 })).data, []);

    const res = await api(sandbox, 'GET', '/batches', undefined, { authorization: 'Bearer wrong' });
    assert.equal(res.status, 401);
    assert.deepEqual(res.json, { code: 'unauthorized', text: 'Authentication token is invalid for this service plan' });
  });

  test('validation errors use the documented statuses and codes', async () => {
    const sandbox = await startSandbox({
      servicePlans: [PLAN, { id: 'withDefault', token: 't2', defaultCallbackUrl: 'http://127.0.0.1:9/cb' }],
    });
    const ok = { to: [us('0100')], from: '+15550001111', body: 'hi' };
    const cases: { name: string; body: unknown; headers?: Record<string, string>; status: number; code?: string; text?: string }[] = [
      { name: 'text/plain', body: JSON.stringify(ok), headers: { 'content-type': 'text/plain' }, status: 415 },
      { name: 'malformed JSON', body: '{"to": [', status: 400, code: 'syntax_invalid_json' },
      {
        name: 'invalid MSISDN',
        body: { ...ok, to: ['+1'] },
        status: 400,
        code: 'syntax_invalid_parameter_format',
        text: "The format of parameter 'to[0]' is invalid; value '+1' is not a valid MSISDN or group ID.",
      },
      { name: 'missing to', body: { body: 'hi' }, status: 400, code: 'syntax_constraint_violation' },
      { name: 'empty to', body: { ...ok, to: [] }, status: 400, code: 'syntax_constraint_violation' },
      { name: 'missing body', body: { to: ok.to }, status: 400, code: 'syntax_constraint_violation' },
      {
        name: '1001 recipients',
        body: { ...ok, to: Array.from({ length: 1001 }, (_, i) => `+1415556${String(i).padStart(4, '0')}`) },
        status: 400,
        code: 'syntax_constraint_violation',
      },
      { name: 'body over 2000 chars', body: { ...ok, body: 'a'.repeat(2001) }, status: 400, code: 'syntax_constraint_violation' },
      { name: 'long client_reference', body: { ...ok, client_reference: 'r'.repeat(129) }, status: 400, code: 'syntax_constraint_violation' },
      { name: 'bad delivery_report', body: { ...ok, delivery_report: 'all' }, status: 400, code: 'syntax_invalid_parameter_format' },
      {
        name: 'report without callback URL',
        body: { ...ok, delivery_report: 'per_recipient' },
        status: 403,
        code: 'missing_callback_url',
        text: 'Requesting delivery report without any callback URL.',
      },
      { name: 'body of 2000 chars is fine', body: { ...ok, body: 'a'.repeat(2000) }, status: 201 },
    ];
    for (const c of cases) {
      const res = await api(sandbox, 'POST', '/batches', c.body, c.headers);
      assert.equal(res.status, c.status, c.name);
      if (c.code) assert.equal(res.json['code'], c.code, c.name);
      if (c.text) assert.equal(res.json['text'], c.text, c.name);
      if (c.status >= 400) assert.equal(typeof res.json['text'], 'string', c.name);
    }

    // The plan's default callback URL satisfies delivery_report without callback_url.
    const res = await fetch(`${sandbox.url}/xms/v1/withDefault/batches`, {
      method: 'POST',
      headers: { authorization: 'Bearer t2', 'content-type': 'application/json' },
      body: JSON.stringify({ ...ok, delivery_report: 'summary' }),
    });
    assert.equal(res.status, 201);
    assert.equal((await api(sandbox, 'GET', '/batches/01ARZ3NDEKTSV4RRFFQ69G5FAV')).status, 404);
  });

  test('delivery reports follow the test-number table; none for countries without DLRs; signed', async () => {
    const secret = 'callback-secret';
    const sandbox = await startSandbox({ servicePlans: [{ ...PLAN, callbackSigningSecret: secret }] });
    const receiver = await startReceiver();
    const expected: Record<string, string[]> = {
      [us('0100')]: ['Dispatched/401', 'Delivered/0'],
      [us('0001')]: ['Dispatched/401', 'Delivered/0'],
      [us('0002')]: ['Dispatched/401', 'Failed/150'],
      [us('0003')]: ['Dispatched/401', 'Rejected/61'],
      [us('0004')]: ['Aborted/402'],
      [us('0005')]: ['Dispatched/401', 'Expired/201'],
      [us('0006')]: ['Dispatched/401', 'Unknown/0'],
      [us('0011')]: ['Dispatched/401', 'Deleted/111'],
      [us('0012')]: ['Aborted/412'],
      [us('0013')]: ['Dispatched/401', 'Delivered/0', 'Delivered/0'],
      [us('0014')]: ['Delivered/0', 'Dispatched/401'],
    };
    const silent = [us('0007'), '+4915123450100' /* Germany */, '+5511987650100' /* Brazil */];
    const res = await api(sandbox, 'POST', '/batches', {
      to: [...Object.keys(expected), ...silent],
      from: 'Switchboard',
      body: 'status test',
      delivery_report: 'per_recipient',
      callback_url: receiver.url,
      client_reference: 'ref-table',
    });
    assert.equal(res.status, 201);
    await sandbox.idle();

    const got = reportsByRecipient(receiver);
    for (const [recipient, statuses] of Object.entries(expected)) {
      assert.deepEqual(got.get(recipient), statuses, recipient);
    }
    for (const recipient of silent) assert.equal(got.get(recipient), undefined, recipient);

    // Slow number: its final report comes after everyone else's.
    const last = receiver.received.filter((r) => r.json['status'] === 'Delivered').at(-1);
    assert.equal(last?.json['recipient'], us('0001'));
    // Out of order: the late Dispatched still carries the earlier time.
    const reordered = receiver.received.filter((r) => r.json['recipient'] === us('0014')).map((r) => r.json);
    assert.ok(String(reordered[1]!['at']) < String(reordered[0]!['at']));
    // Aborted never reached the SMSC: no operator timestamp.
    const aborted = receiver.received.find((r) => r.json['recipient'] === us('0004'))!.json;
    assert.equal(aborted['operator_status_at'], undefined);
    assert.equal(aborted['client_reference'], 'ref-table');

    for (const r of receiver.received) {
      assert.ok(validateWebhookSignature(secret, r.headers, r.raw), 'SDK validates the signature');
      assert.equal(r.headers['x-sinch-webhook-signature-algorithm'], 'HmacSHA256');
    }
  });

  test('per_recipient_final, summary and full reports', async () => {
    const sandbox = await startSandbox();
    const receiver = await startReceiver();
    const to = [us('0100'), us('0002'), us('0101'), us('0007')];
    const send = (delivery_report: string) =>
      api(sandbox, 'POST', '/batches', { to, body: 'b', delivery_report, callback_url: receiver.url });

    const final = await send('per_recipient_final');
    await sandbox.idle();
    assert.deepEqual(
      Object.fromEntries(reportsByRecipient(receiver)),
      { [us('0100')]: ['Delivered/0'], [us('0002')]: ['Failed/150'], [us('0101')]: ['Delivered/0'] },
    );
    assert.ok(receiver.received.every((r) => r.json['batch_id'] === final.json['id']));

    receiver.received.length = 0;
    const summary = await send('summary');
    await sandbox.idle();
    assert.equal(receiver.received.length, 1);
    assert.deepEqual(receiver.received[0]!.json, {
      type: 'delivery_report_sms',
      batch_id: summary.json['id'],
      statuses: [
        { code: 0, count: 2, status: 'Delivered' },
        { code: 150, count: 1, status: 'Failed' },
      ],
      total_message_count: 3,
    });

    receiver.received.length = 0;
    await send('full');
    await sandbox.idle();
    assert.equal(receiver.received.length, 1);
    assert.deepEqual(receiver.received[0]!.json['statuses'], [
      { code: 0, count: 2, status: 'Delivered', recipients: ['14155550100', '14155550101'] },
      { code: 150, count: 1, status: 'Failed', recipients: ['14155550002'] },
    ]);

    receiver.received.length = 0;
    await send('none');
    await sandbox.idle();
    assert.equal(receiver.received.length, 0);
  });

  test('callbacks are retried on 5xx and 429 with a doubling delay, not on other 4xx', async () => {
    const sandbox = await startSandbox({ retryBaseMs: 40, maxCallbackAttempts: 4 });
    // 500, 429, then 200 for the first report; later ones succeed.
    const flaky = await startReceiver((n) => [500, 429][n] ?? 200);
    await api(sandbox, 'POST', '/batches', { to: [us('0100')], body: 'b', delivery_report: 'per_recipient_final', callback_url: flaky.url });
    await sandbox.idle();
    const attempts = sandbox.callbacks.filter((c) => c.url === flaky.url);
    assert.deepEqual(attempts.map((a) => [a.attempt, a.status]), [[1, 500], [2, 429], [3, 200]]);
    assert.ok(flaky.received[1]!.at - flaky.received[0]!.at >= 35, 'first retry after the base delay');
    assert.ok(flaky.received[2]!.at - flaky.received[1]!.at >= 75, 'second retry after twice the base delay');
    assert.equal(flaky.received[0]!.raw, flaky.received[2]!.raw, 'the same bytes each time');

    const down = await startReceiver(() => 503);
    await api(sandbox, 'POST', '/batches', { to: [us('0100')], body: 'b', delivery_report: 'per_recipient_final', callback_url: down.url });
    await sandbox.idle();
    assert.equal(down.received.length, 4, 'stops after maxCallbackAttempts');

    const refusing = await startReceiver(() => 400);
    await api(sandbox, 'POST', '/batches', { to: [us('0100')], body: 'b', delivery_report: 'per_recipient_final', callback_url: refusing.url });
    await sandbox.idle();
    assert.equal(refusing.received.length, 1, '4xx other than 429 is not retried');
  });

  test('429 above the rate, and send errors forced by test numbers', async () => {
    const sandbox = await startSandbox({ ratePerSecond: 2 });
    const ok = { to: [us('0100')], body: 'b' };
    assert.equal((await api(sandbox, 'POST', '/batches', ok)).status, 201);
    assert.equal((await api(sandbox, 'POST', '/batches', ok)).status, 201);
    const limited = await api(sandbox, 'POST', '/batches', ok);
    assert.equal(limited.status, 429);
    assert.equal(limited.json['code'], 'too_many_requests');
    await new Promise((r) => setTimeout(r, 1050));
    assert.equal((await api(sandbox, 'POST', '/batches', ok)).status, 201, 'the window slides');

    const free = await startSandbox();
    assert.equal((await api(free, 'POST', '/batches', { to: [us('0008')], body: 'b' })).status, 429);
    const internal = await api(free, 'POST', '/batches', { to: [us('0100'), us('0009')], body: 'b' });
    assert.deepEqual([internal.status, internal.json['code']], [500, 'internal_error']);
    assert.equal((await api(free, 'POST', '/batches', { to: [us('0009')], body: 'b' })).status, 500, '0009 always fails');
    assert.equal((await api(free, 'POST', '/batches', { to: [us('0010')], body: 'b' })).status, 503);
    assert.equal((await api(free, 'POST', '/batches', { to: [us('0010')], body: 'b' })).status, 201, '0010 fails once');
  });

  test('injectInbound posts a signed mo_text to the inbound URL', async () => {
    const secret = 'inbound-secret';
    const receiver = await startReceiver();
    const sandbox = await startSandbox({ servicePlans: [{ ...PLAN, inboundUrl: receiver.url, callbackSigningSecret: secret }] });
    const result = await sandbox.injectInbound({ servicePlanId: PLAN.id, from: '+14155550100', to: '12345', body: 'STOP' });
    assert.equal(result.status, 200);
    const mo = receiver.received[0]!;
    assert.equal(mo.json['type'], 'mo_text');
    assert.equal(mo.json['id'], result.id);
    assert.equal(mo.json['from'], '+14155550100');
    assert.equal(mo.json['to'], '12345');
    assert.equal(mo.json['body'], 'STOP');
    assert.equal(typeof mo.json['received_at'], 'string');
    assert.equal(typeof mo.json['sent_at'], 'string');
    assert.ok(validateWebhookSignature(secret, mo.headers, mo.raw));

    // The HTTP control route does the same for a standalone sandbox.
    const res = await fetch(`${sandbox.url}/sandbox/v1/${PLAN.id}/inbound`, {
      method: 'POST',
      headers: { authorization: `Bearer ${PLAN.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ from: '+14155550101', to: '12345', body: 'HELP' }),
    });
    assert.equal(res.status, 200);
    assert.equal(receiver.received[1]?.json['body'], 'HELP');
  });

  test('dry_run counts parts per recipient with parameters', async () => {
    const sandbox = await startSandbox();
    const client = sdk(sandbox);
    const result = await client.sms.batches.dryRun({
      per_recipient: true,
      dryRunRequestBody: {
        to: [us('0100'), us('0101')],
        from: '+15550001111',
        body: `Hi \${name}! ${'x'.repeat(150)}`,
        parameters: { name: { [us('0100')]: 'Ann', default: 'Привет' } },
      },
    });
    assert.equal(result.number_of_recipients, 2);
    assert.deepEqual(result.per_recipient, [
      { recipient: us('0100'), number_of_parts: 1, body: `Hi Ann! ${'x'.repeat(150)}`, encoding: 'GSM' },
      { recipient: us('0101'), number_of_parts: 3, body: `Hi Привет! ${'x'.repeat(150)}`, encoding: 'UNICODE' },
    ]);
    assert.equal(result.number_of_messages, 4);
    assert.equal(sandbox.batches.length, 0, 'nothing is sent');

    const brief = await api(sandbox, 'POST', '/batches/dry_run', { to: [us('0100')], body: '€'.repeat(81) });
    assert.deepEqual(brief.json, { number_of_recipients: 1, number_of_messages: 2 });
  });

  test('cancel reports Cancelled for messages not dispatched yet', async () => {
    const sandbox = await startSandbox({ delays: { dispatchedMs: 300, finalMs: 600 } });
    const receiver = await startReceiver();
    const client = sdk(sandbox);
    const batch = await client.sms.batches.send({
      sendSMSRequestBody: {
        to: [us('0100'), us('0002')],
        body: 'to be cancelled',
        delivery_report: 'per_recipient',
        callback_url: receiver.url,
      },
    });
    const cancelled = await client.sms.batches.cancel({ batch_id: batch.id! });
    assert.equal(cancelled.canceled, true);
    await sandbox.idle();
    assert.deepEqual(Object.fromEntries(reportsByRecipient(receiver)), {
      [us('0100')]: ['Cancelled/407'],
      [us('0002')]: ['Cancelled/407'],
    });
    assert.equal((await client.sms.batches.get({ batch_id: batch.id! })).canceled, true);
    const summary = await api(sandbox, 'GET', `/batches/${batch.id}/delivery_report`);
    assert.deepEqual(summary.json['statuses'], [{ code: 407, count: 2, status: 'Cancelled' }]);
  });
});
