// forged-webhooks: forged, tampered, replayed and misaddressed callbacks against every provider
// webhook and the direct-send ingest of a real hub. Every forgery must be refused with the
// documented 4xx, store nothing and make no event; the valid controls beside them must be taken.
import { sinchSignature } from '../../src/providers/sinch-signature.js';
import type { PartOptions, PartResult, TorturePart } from '../types.js';
import { signFor } from '../lib/fuzz-requests.js';
import { excerpt, FailureBook, send, type RawRequest } from '../lib/inputs-http.js';
import { sizeFromEnv } from '../lib/inputs-sizes.js';
import { drained, INGEST_SIGNING_SECRET, openInputsWorld, pathOf, TWILIO_FROM, type InputsWorld, type WorldIntegration } from '../lib/inputs-world.js';

interface Target {
  name: string;
  provider: 'sinch_sms' | 'twilio' | 'sinch_conversation';
  path: string;
  secret: string;
  /** A path on the hub that is the same endpoint with a wrong token (or app key). */
  wrongPath: string;
  /** A body the endpoint accepts when signed; `variant` keeps control bodies apart. */
  body(variant: string): { text: string; contentType: string };
}

interface Attempt {
  kind: string;
  req: RawRequest;
  /** Answers that count as refused; a control expects 200. */
  expect: number[];
  control?: boolean;
}

export const forgedWebhooks: TorturePart = {
  name: 'forged-webhooks',
  description:
    'Sends forged signatures (wrong secret, truncated, case-changed, wrong algorithm), tampered bodies and URLs, replays, stale and future timestamps and wrong URL tokens to every provider webhook and the direct-send ingest of a real hub; expects each refused with its 4xx, nothing stored, no event, and the valid controls accepted',
  async run(opts: PartOptions): Promise<PartResult> {
    const rounds = sizeFromEnv('TORTURE_FORGED_ROUNDS', opts.smoke ? 3 : 100);
    const w = await openInputsWorld(opts.workDir, { connections: 4 });
    const failures = new FailureBook();
    const counts: Record<string, number> = { rounds, 'forgeries sent': 0, 'forgeries refused': 0, 'controls sent': 0, 'controls accepted': 0 };
    const byKind: Record<string, number> = {};
    try {
      // A message per provider that no valid report ever names: forged reports aim at it.
      const forgedTargets = await messagesToForge(w);
      const targets = targetsOf(w, forgedTargets);
      const stored = () => w.query<{ n: number }>('SELECT COUNT(*) AS n FROM callbacks')[0]!.n;
      for (let round = 0; round < rounds; round++) {
        for (const target of targets) {
          for (const attempt of attempts(w, target, round)) {
            const before = stored();
            const answer = await send(w.pool, attempt.req).catch((err: Error) => ({ status: 0, text: err.message, headers: {} }));
            const grew = stored() - before;
            const what = `${target.name} ${attempt.kind}`;
            if (attempt.control) {
              counts['controls sent']!++;
              if (answer.status === 200 && grew === 1) counts['controls accepted']!++;
              else failures.add(`${what}: valid control not taken`, `${answer.status} ${answer.text.slice(0, 160)}, ${grew} stored`);
              continue;
            }
            counts['forgeries sent']!++;
            byKind[attempt.kind] = (byKind[attempt.kind] ?? 0) + 1;
            if (!attempt.expect.includes(answer.status)) {
              failures.add(`${what}: answered ${answer.status}, expected ${attempt.expect.join('/')}`, `${attempt.req.path} ${excerpt(attempt.req.body, 80)} → ${answer.text.slice(0, 160)}`);
            } else counts['forgeries refused']!++;
            if (grew !== 0) failures.add(`${what}: stored although refused`, `${attempt.req.path} → ${answer.status}`);
          }
        }
        if ((round + 1) % 50 === 0) opts.log(`${round + 1} rounds`);
      }
      await drained(w);
      // The forged reports named real messages: none of them may have moved.
      for (const [provider, messageId] of Object.entries(forgedTargets)) {
        const ev = await w.admin.get(`/api/v1/projects/${w.projectId}/events?message_id=${messageId}`);
        const statuses = (ev.body.data as { properties: { status: string } }[]).map((e) => e.properties.status);
        if (statuses.join() !== 'enqueued') failures.add(`${provider}: a forged report made an event`, `${messageId}: ${statuses.join(',')}`);
      }
      const forgedCustomer = await w.admin.get(`/api/v1/projects/${w.projectId}/customers/forged-customer`);
      if (forgedCustomer.status !== 404) failures.add('direct-send ingest: a forged report created a customer', JSON.stringify(forgedCustomer.body).slice(0, 200));
      for (const [k, n] of Object.entries(byKind).sort()) counts[`forgeries: ${k}`] = n;
    } finally {
      await w.close();
    }
    return {
      counts,
      failures: failures.lines(),
      notes: ['Twilio signs no nonce or timestamp: its replays are absorbed by content deduplication (200, not stored again), as docs/design.md says; they are counted as refused when nothing new is stored.'],
    };
  },
};

async function messagesToForge(w: InputsWorld): Promise<Record<string, string>> {
  const sendOne = async (body: Record<string, unknown>) => {
    const res = await w.admin.post(`/api/v1/projects/${w.projectId}/messages`, body);
    if (res.status !== 202) throw new Error(`send: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id as string;
  };
  const ids = {
    sinch_sms: await sendOne({ phone: '+12025555101', channel: 'sms', body: 'forge me', integration_id: w.sinchSigned.id }),
    twilio: await sendOne({ phone: '+12025555102', channel: 'sms', body: 'forge me', integration_id: w.twilio.id, sender: TWILIO_FROM }),
    sinch_conversation: await sendOne({ phone: '+12025555103', channel: 'whatsapp', content: { type: 'text', text: 'forge me' } }),
  };
  // Reports count only once the send outcome is written; wait for it so a forgery would show.
  const deadline = Date.now() + 30_000;
  for (const id of Object.values(ids)) {
    while ((await w.admin.get(`/api/v1/projects/${w.projectId}/messages/${id}`)).body.status !== 'enqueued') {
      if (Date.now() > deadline) throw new Error(`message ${id} never enqueued`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return ids;
}

function wrongToken(url: string): string {
  const path = pathOf(url);
  // /webhooks/{iid}/{token}/{endpoint}: flip the token's last character.
  return path.replace(/^(\/webhooks\/[^/]+\/)([^/]+)(\/.*)$/, (_m, a: string, token: string, b: string) => a + token.slice(0, -1) + (token.endsWith('a') ? 'b' : 'a') + b);
}

function targetsOf(w: InputsWorld, forged: Record<string, string>): Target[] {
  const sinchReport = (messageId: string, variant: string) => ({
    text: JSON.stringify({ type: 'recipient_delivery_report_sms', batch_id: `batch-${variant}`, recipient: '12025555101', code: 0, status: 'Delivered', at: new Date().toISOString(), client_reference: messageId, variant }),
    contentType: 'application/json',
  });
  const convReport = (messageId: string, variant: string) => ({
    text: JSON.stringify({ app_id: 'app-1', event_time: new Date().toISOString(), message_metadata: messageId, message_delivery_report: { message_id: `conv-${variant}`, status: 'DELIVERED', channel_identity: { channel: 'WHATSAPP', identity: '12025555103' } }, variant }),
    contentType: 'application/json',
  });
  const twilioReport = (variant: string) => ({
    text: new URLSearchParams({ MessageSid: `SM${variant.padEnd(32, '0').slice(0, 32)}`, MessageStatus: 'delivered', To: '+12025555102', From: TWILIO_FROM, Variant: variant }).toString(),
    contentType: 'application/x-www-form-urlencoded',
  });
  const hook = (i: WorldIntegration, endpoint: string) => i.webhookUrls[endpoint]!;
  return [
    {
      name: 'sinch_sms delivery',
      provider: 'sinch_sms',
      path: pathOf(hook(w.sinchSigned, 'delivery')),
      secret: w.sinchSigned.secret!,
      wrongPath: wrongToken(hook(w.sinchSigned, 'delivery')),
      body: (v) => sinchReport(v.startsWith('control') ? `msg_control_${v}` : forged['sinch_sms']!, v),
    },
    {
      name: 'sinch_sms inbound',
      provider: 'sinch_sms',
      path: pathOf(hook(w.sinchSigned, 'inbound')),
      secret: w.sinchSigned.secret!,
      wrongPath: wrongToken(hook(w.sinchSigned, 'inbound')),
      body: (v) => sinchReport(v.startsWith('control') ? `msg_control_${v}` : forged['sinch_sms']!, v),
    },
    {
      name: 'twilio status',
      provider: 'twilio',
      path: `${pathOf(hook(w.twilio, 'status'))}?message_id=${forged['twilio']}`,
      secret: w.twilio.secret!,
      wrongPath: `${wrongToken(hook(w.twilio, 'status'))}?message_id=${forged['twilio']}`,
      body: (v) => twilioReport(v),
    },
    {
      name: 'twilio inbound',
      provider: 'twilio',
      path: pathOf(hook(w.twilio, 'inbound')),
      secret: w.twilio.secret!,
      wrongPath: wrongToken(hook(w.twilio, 'inbound')),
      body: (v) => ({ text: new URLSearchParams({ MessageSid: `SM${v}`, From: '+12025555199', To: TWILIO_FROM, Body: `forged ${v}` }).toString(), contentType: 'application/x-www-form-urlencoded' }),
    },
    {
      name: 'sinch_conversation callbacks',
      provider: 'sinch_conversation',
      path: pathOf(hook(w.conversation, 'callbacks')),
      secret: w.conversation.secret!,
      wrongPath: wrongToken(hook(w.conversation, 'callbacks')),
      body: (v) => convReport(v.startsWith('control') ? `msg_control_${v}` : forged['sinch_conversation']!, v),
    },
    {
      name: 'direct-send ingest',
      provider: 'sinch_sms',
      path: w.ingestSignedPath,
      secret: INGEST_SIGNING_SECRET,
      wrongPath: w.ingestSignedPath.slice(0, -1) + (w.ingestSignedPath.endsWith('a') ? 'b' : 'a'),
      body: (v) => ({
        text: JSON.stringify({ type: 'recipient_delivery_report_sms', batch_id: `direct-${v}`, recipient: '12025555104', code: 0, status: 'Delivered', at: new Date().toISOString(), client_reference: v.startsWith('control') ? `$uid=control-${v}` : '$uid=forged-customer' }),
        contentType: 'application/json',
      }),
    },
  ];
}

const swapCase = (s: string) => s.replace(/[a-zA-Z]/, (c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()));

function attempts(w: InputsWorld, t: Target, round: number): Attempt[] {
  const v = `r${round}`;
  const forged = t.body(v);
  const ct = { 'content-type': forged.contentType };
  const signed = (body: string, secret = t.secret, path = t.path) => signFor(t.provider, secret, w.url, path, body, forged.contentType);
  const ok = signed(forged.text);
  const post = (headers: Record<string, string>, body = forged.text, path = ok.path): RawRequest => ({ method: 'POST', path, headers: { ...ct, ...headers }, body });
  const list: Attempt[] = [];
  const add = (kind: string, req: RawRequest, expect: number[]) => list.push({ kind, req, expect });
  const control = (kind: string) => {
    const body = t.body(`control-${v}-${kind}`).text;
    // Twilio reports name the message in the URL: controls name one that is not the forged target.
    const s = signed(body, t.secret, t.path.replace(/message_id=[^&]*/, `message_id=msg_control_${v}`));
    const req = post(s.headers, body, s.path);
    list.push({ kind: `control ${kind}`, req, expect: [200], control: true });
    return req;
  };
  const sigHeader = t.provider === 'twilio' ? 'x-twilio-signature' : 'x-sinch-webhook-signature';
  const without = (h: Record<string, string>, name: string) => Object.fromEntries(Object.entries(h).filter(([k]) => k !== name));

  add('no signature', post({}), [403]);
  add('wrong secret', post(signed(forged.text, `${t.secret}x`).headers), [403]);
  add('signature truncated', post({ ...ok.headers, [sigHeader]: ok.headers[sigHeader]!.slice(0, -4) }), [403]);
  add('signature case changed', post({ ...ok.headers, [sigHeader]: swapCase(ok.headers[sigHeader]!) }), [403]);
  add('signature header empty', post({ ...ok.headers, [sigHeader]: '' }), [403]);
  add('body tampered after signing', post(ok.headers, forged.text.replace(/Delivered|delivered|DELIVERED|forged/, (m) => (m === 'forged' ? 'Forged' : m === 'Delivered' ? 'Dispatched' : m === 'delivered' ? 'sent' : 'READ'))), [403]);
  add('body extended after signing', post(ok.headers, `${forged.text}${forged.contentType.includes('json') ? ' ' : '&x=1'}`), [403]);
  add('wrong URL token', post(signed(forged.text, t.secret, t.wrongPath).headers, forged.text, signed(forged.text, t.secret, t.wrongPath).path), [404]);
  if (t.provider === 'twilio') {
    // The signature covers the URL: the same signed body posted with another message id in it.
    if (t.path.includes('message_id=')) add('URL query changed after signing', post(ok.headers, forged.text, t.path.replace(/message_id=[^&]*/, 'message_id=msg_someone_else')), [403]);
    add('signed for another URL', post(signed(forged.text, t.secret, '/webhooks/other/x/status').headers), [403]);
    const json = JSON.stringify(Object.fromEntries(new URLSearchParams(forged.text)));
    const jsonSigned = signFor('twilio', t.secret, w.url, t.path, json, 'application/json');
    add('JSON body with a mismatched bodySHA256', { method: 'POST', path: jsonSigned.path, headers: { 'content-type': 'application/json', ...jsonSigned.headers }, body: json.replace('+1202', '+1203') }, [403]);
    // No nonce to check: a replay is absorbed by content deduplication, answered 200, stored once.
    const first = control('before replay');
    add('replay of a valid callback', first, [200]);
  } else {
    const now = Math.floor(Date.now() / 1000);
    // Signed with the real secret over a chosen nonce and timestamp.
    const at = (ts: number, nonce: string, body = forged.text) => ({
      'x-sinch-webhook-signature': sinchSignature(t.secret, body, nonce, String(ts)),
      'x-sinch-webhook-signature-nonce': nonce,
      'x-sinch-webhook-signature-timestamp': String(ts),
      'x-sinch-webhook-signature-algorithm': 'HmacSHA256',
    });
    add('wrong algorithm', post({ ...ok.headers, 'x-sinch-webhook-signature-algorithm': 'HmacSHA1' }), [403]);
    add('algorithm none', post({ ...ok.headers, 'x-sinch-webhook-signature-algorithm': 'none' }), [403]);
    add('timestamp expired (10 min old)', post(at(now - 600, `old-${v}`)), [403]);
    add('timestamp in the future (10 min)', post(at(now + 600, `future-${v}`)), [403]);
    add('timestamp not a number', post({ ...ok.headers, 'x-sinch-webhook-signature-timestamp': `${now}.5` }), [403]);
    add('nonce missing', post(without(ok.headers, 'x-sinch-webhook-signature-nonce')), [403]);
    add('nonce changed after signing', post({ ...ok.headers, 'x-sinch-webhook-signature-nonce': `${ok.headers['x-sinch-webhook-signature-nonce']}x` }), [403]);
    const first = control('before replay');
    add('replay of a valid callback (same nonce and timestamp)', first, [409]);
    // Same nonce, other bytes, correctly signed: a nonce is good once, whatever it signs.
    const nonce = first.headers['x-sinch-webhook-signature-nonce']!;
    add('nonce reused on another body', post(at(Number(first.headers['x-sinch-webhook-signature-timestamp']), nonce, forged.text), forged.text), [409]);
  }
  control('after forgeries');
  return list;
}
