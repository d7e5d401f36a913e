// Generated requests for the API fuzzer: every operation of the hub's OpenAPI document, and every
// public endpoint (provider webhooks, the direct-send ingest, short links, health), with valid-ish
// and hostile paths, queries, headers and bodies.
import fc, { type Arbitrary } from 'fast-check';
import { randomBytes } from 'node:crypto';
import { sinchSignature } from '../../src/providers/sinch-signature.js';
import { bodySha256, formParams, twilioSignature } from '../../src/providers/twilio/signature.js';
import { fuzzed, hostile, NASTY_STRINGS, type JsonSchema } from './fuzz-schema.js';
import type { RawRequest } from './inputs-http.js';

export interface Operation {
  method: string;
  /** OpenAPI path template, e.g. `/api/v1/projects/{pid}/messages`. */
  template: string;
  pathParams: string[];
  query: { name: string; schema: JsonSchema }[];
  headerParams: { name: string; schema: JsonSchema }[];
  body: JsonSchema | null;
}

/** Every operation of an OpenAPI 3 document. */
export function operationsOf(doc: { paths: Record<string, Record<string, any>> }): Operation[] {
  const ops: Operation[] = [];
  for (const [template, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const params: any[] = op.parameters ?? [];
      ops.push({
        method: method.toUpperCase(),
        template,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        query: params.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema ?? {} })),
        headerParams: params.filter((p) => p.in === 'header').map((p) => ({ name: p.name, schema: p.schema ?? {} })),
        body: op.requestBody?.content?.['application/json']?.schema ?? null,
      });
    }
  }
  return ops;
}

/** What the generator knows about the world: real ids to aim at, so requests get past the lookups. */
export interface Targets {
  /** Path parameter name → real values (pid → project ids, iid → integrations, …). */
  ids: Record<string, string[]>;
  adminToken: string;
  projectKey: string;
  /** Real webhooks, with their signing secrets. */
  webhooks: { provider: string; path: string; secret: string | null }[];
  ingest: { path: string; secret: string | null }[];
  /** The hub's public URL (Twilio signs it). */
  publicUrl: string;
}

export interface FuzzRequest extends RawRequest {
  /** Which surface: `api`, `webhook`, `ingest`, `link`, `other`. */
  surface: string;
  /** The operation or route, for grouping failures. */
  route: string;
  /** A unique string written into a body field: must never be stored when the answer is an error. */
  marker?: string;
}

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'APPLICATION/JSON',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'application/json, text/html',
  'application/vnd.api+json',
  ';',
  'application/',
];

const oddHeaderValue = (): Arbitrary<string> =>
  fc.oneof(
    fc.constantFrom('', ' ', 'x'.repeat(4000), '\t', 'null', '../', '%00', 'é', '1, 2, 3'),
    fc.string({ unit: 'grapheme-ascii', maxLength: 40 }).map((s) => s.replace(/[\r\n\0]/g, '')),
  );

const oddPathSegment = (): Arbitrary<string> =>
  fc.oneof(
    fc.constantFrom('', '%', '%zz', '%E0%A4%A', '%00', '%2F', '..', '.', '%2e%2e', 'a'.repeat(101), 'b'.repeat(5000), '%F0%9F%92%A9', '%ED%A0%80', ';', '~', '*', 'null', '0', '-1'),
    fc.string({ unit: 'grapheme-ascii', maxLength: 30 }).map((s) => encodeURIComponent(s)),
    fc.string({ unit: 'binary', maxLength: 20 }).map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, 'x'))),
  );

const oddQuery = (): Arbitrary<string> =>
  fc.oneof(
    fc.constantFrom('', '?', '?&&', '?a', '?a=1&a=2', '?limit=-1', '?limit=99999', '?limit=0', '?limit=1e3', '?cursor=%', '?cursor=99999999999999999999', '?__proto__[x]=1', '?limit[]=1', `?x=${'y'.repeat(3000)}`, '?%zz=1', '?channel=fax'),
    fc.dictionary(fc.constantFrom('limit', 'cursor', 'name', 'status', 'channel', 'customer_id', 'message_id', 'campaign_id', 'x'), fc.constantFrom(...NASTY_STRINGS.slice(0, 30)), { maxKeys: 3 }).map(
      (d) => '?' + Object.entries(d).map(([k, v]) => `${k}=${encodeURIComponent(v.replace(/[\ud800-\udfff]/g, '?'))}`).join('&'),
    ),
  );

/** JSON text that is not quite JSON, or JSON of an absurd shape. */
const badJson = (): Arbitrary<string> =>
  fc.oneof(
    fc.constantFrom('', '{', '}', '{"a":', '{"a":1,}', "{'a':1}", 'nul', 'NaN', '[1,2', '{"a":1}{"b":2}', '\ufeff{}', '{"a":"\\ud800"}', '{"a":"\\u0000"}', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}', '1e999999', '"' + 'a'.repeat(100_000) + '"', '{"a":1, "a":2}'),
    fc.integer({ min: 1000, max: 30_000 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
    fc.integer({ min: 1000, max: 30_000 }).map((n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n)),
    fc.string({ unit: 'binary', maxLength: 200 }),
  );

function auth(t: Targets): Arbitrary<Record<string, string>> {
  return fc.oneof(
    { weight: 12, arbitrary: fc.constant({ authorization: `Bearer ${t.adminToken}` }) },
    { weight: 6, arbitrary: fc.constant({ authorization: `Bearer ${t.projectKey}` }) },
    { weight: 1, arbitrary: fc.constant({}) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        { authorization: 'Bearer' },
        { authorization: 'Bearer ' },
        { authorization: `bearer ${t.adminToken}` },
        { authorization: `Bearer  ${t.adminToken}` },
        { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
        { authorization: `Bearer ${t.adminToken}x` },
        { authorization: `Bearer ${t.projectKey.slice(0, -1)}` },
        { authorization: `Bearer ${'k'.repeat(4000)}` },
        { authorization: 'Bearer sk_\u00e9' },
      ),
    },
  );
}

function extraHeaders(): Arbitrary<Record<string, string>> {
  return fc.dictionary(
    fc.constantFrom('x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'accept', 'accept-encoding', 'x-request-id', 'idempotency-key', 'user-agent', 'origin', 'x-http-method-override', 'accept-version'),
    oddHeaderValue(),
    { maxKeys: 2 },
  );
}

let markerCount = 0;
/** Puts a unique marker in one free-text string field of an object body, when the schema has one. */
function markBody(body: unknown, schema: JsonSchema | null): { body: unknown; marker?: string } {
  if (!schema?.properties || body === null || typeof body !== 'object' || Array.isArray(body)) return { body };
  const field = ['name', 'customer_id', 'body', 'description'].find((k) => {
    const s = schema.properties![k];
    return s && s.type === 'string' && !s.pattern && !s.format && !s.enum;
  });
  if (!field) return { body };
  const marker = `mk${(markerCount++).toString(36)}q${Math.floor(Math.random() * 1e9).toString(36)}k`;
  return { body: { ...(body as Record<string, unknown>), [field]: marker }, marker };
}

function apiRequest(ops: Operation[], t: Targets, components: Record<string, JsonSchema>): Arbitrary<FuzzRequest> {
  // One arbitrary per operation, built once: building them inside a chain costs milliseconds per input.
  return fc.oneof(...ops.map((op) => operationRequest(op, t, components)));
}

function operationRequest(op: Operation, t: Targets, components: Record<string, JsonSchema>): Arbitrary<FuzzRequest> {
  {
    const segment = (name: string): Arbitrary<string> => {
      // A DELETE aims at spare records (and the project), never at what the rest of the run needs.
      const real = (op.method === 'DELETE' && name !== 'pid' ? t.ids[`spare:${name}`] : t.ids[name]) ?? [];
      return real.length
        ? fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...real).map(encodeURIComponent) }, { weight: 2, arbitrary: oddPathSegment() })
        : oddPathSegment();
    };
    const path = fc.tuple(...op.pathParams.map(segment)).map((values) => {
      let p = op.template;
      op.pathParams.forEach((name, i) => (p = p.replace(`{${name}}`, values[i] ?? '')));
      return p;
    });
    const query = fc.oneof(
      {
        weight: 3,
        arbitrary: fc.tuple(...op.query.map((q) => fc.option(fuzzed(q.schema, components, 0.2), { nil: undefined }))).map((values) => {
          const parts = op.query.flatMap((q, i) => {
            const v = values[i];
            if (v === undefined) return [];
            const text = typeof v === 'string' ? v : JSON.stringify(v) ?? '';
            return [`${q.name}=${encodeURIComponent(text.replace(/[\ud800-\udfff]/g, '?'))}`];
          });
          return parts.length ? `?${parts.join('&')}` : '';
        }),
      },
      { weight: 1, arbitrary: oddQuery() },
    );
    const jsonBody = op.body ? fuzzed(op.body, components, 0.08) : fc.option(hostile(), { nil: undefined });
    const body: Arbitrary<{ text?: string; contentType?: string; marker?: string }> = fc.oneof(
      {
        weight: 10,
        arbitrary: fc.tuple(jsonBody, fc.boolean()).map(([v, mark]) => {
          if (v === undefined) return {};
          const marked = mark ? markBody(v, op.body) : { body: v };
          return { text: JSON.stringify(marked.body) ?? 'null', contentType: 'application/json', marker: marked.marker };
        }),
      },
      { weight: 2, arbitrary: badJson().map((text) => ({ text, contentType: 'application/json' })) },
      { weight: 1, arbitrary: fc.tuple(jsonBody, fc.constantFrom(...CONTENT_TYPES)).map(([v, contentType]) => ({ text: JSON.stringify(v) ?? '', contentType })) },
      { weight: 1, arbitrary: fc.constant({}) },
    );
    const idem = op.headerParams.some((h) => h.name === 'idempotency-key')
      ? fc.option(fc.oneof(fc.constantFrom('k1', 'k2', 'same', ''), fc.string({ unit: 'grapheme-ascii', maxLength: 300 }).map((s) => s.replace(/[\r\n\0]/g, ''))), { nil: undefined })
      : fc.constant(undefined);
    const method = fc.oneof({ weight: 30, arbitrary: fc.constant(op.method) }, { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS') });
    return fc.tuple(method, path, query, body, auth(t), extraHeaders(), idem).map(([m, p, q, b, a, extra, key]) => {
      const headers: Record<string, string> = { ...extra, ...a };
      if (b.contentType) headers['content-type'] = b.contentType;
      if (key !== undefined) headers['idempotency-key'] = key;
      const withBody = b.text !== undefined && m !== 'GET' && m !== 'HEAD';
      return {
        surface: 'api',
        route: `${op.method} ${op.template}`,
        method: m,
        path: p + q,
        headers,
        ...(withBody ? { body: b.text } : {}),
        ...(withBody && b.marker && m === op.method ? { marker: b.marker } : {}),
      };
    });
  }
}

/** Bodies shaped like each provider's callbacks, with fuzzed fields: they reach the parsers. */
function providerBody(provider: string): Arbitrary<{ text: string; contentType: string }> {
  const v = () => fc.oneof({ weight: 3, arbitrary: fc.string({ maxLength: 30 }) }, { weight: 2, arbitrary: hostile() });
  if (provider === 'twilio') {
    return fc
      .dictionary(
        fc.constantFrom('MessageSid', 'SmsSid', 'MessageStatus', 'SmsStatus', 'To', 'From', 'ErrorCode', 'RawDlrDoneDate', 'NumMedia', 'MediaUrl0', 'MediaContentType0', 'Body', 'AccountSid', 'OptOutType'),
        fc.oneof(fc.constantFrom('delivered', 'sent', 'failed', 'undelivered', 'read', 'queued', '30003', '99', '-1', '2313320000', '999999999999', '+15550001111', 'whatsapp:+1555'), fc.string({ maxLength: 30 })),
        { maxKeys: 8 },
      )
      .chain((d) =>
        fc.constantFrom('form', 'json').map((kind) =>
          kind === 'form'
            ? { text: new URLSearchParams(d).toString(), contentType: 'application/x-www-form-urlencoded' }
            : { text: JSON.stringify(d), contentType: 'application/json' },
        ),
      );
  }
  const shapes: Arbitrary<unknown>[] =
    provider === 'sinch_conversation'
      ? [
          fc.record({ message_metadata: v(), event_time: v(), message_delivery_report: fc.record({ message_id: v(), status: fc.oneof(fc.constantFrom('DELIVERED', 'READ', 'FAILED', 'QUEUED_ON_CHANNEL', 'SWITCHING_CHANNEL'), v()), reason: fc.option(fc.record({ code: v(), description: v() })), channel_identity: fc.option(fc.record({ channel: v(), identity: v() })) }, { requiredKeys: [] }) }, { requiredKeys: [] }),
          fc.record({ message: fc.record({ id: v(), direction: v(), contact_message: fc.record({ text_message: fc.record({ text: v() }), media_message: fc.record({ url: v() }) }, { requiredKeys: [] }), channel_identity: fc.record({ channel: fc.constantFrom('WHATSAPP', 'RCS', 'SMS', 'X'), identity: v() }) }, { requiredKeys: [] }) }, { requiredKeys: [] }),
          fc.record({ opt_out_notification: fc.record({ status: v(), channel_identity: fc.record({ channel: fc.constantFrom('WHATSAPP', 'RCS'), identity: v() }, { requiredKeys: [] }) }, { requiredKeys: [] }) }),
        ]
      : [
          fc.record({ type: fc.oneof(fc.constantFrom('recipient_delivery_report_sms', 'recipient_delivery_report_mms', 'delivery_report_sms', 'mo_text', 'mo_media', 'mo_binary'), v()), batch_id: v(), recipient: v(), code: v(), status: fc.oneof(fc.constantFrom('Delivered', 'Dispatched', 'Failed', 'Queued', 'Aborted'), v()), at: v(), operator_status_at: v(), client_reference: v(), from: v(), to: v(), body: v(), statuses: v() }, { requiredKeys: ['type'] }),
          fc.record({ type: fc.constant('delivery_report_sms'), batch_id: v(), statuses: fc.array(fc.record({ status: v(), code: v(), count: v(), recipients: fc.oneof(fc.array(v(), { maxLength: 4 }), v()) }, { requiredKeys: [] }), { maxLength: 4 }) }),
        ];
  return fc.oneof(
    { weight: 6, arbitrary: fc.oneof(...shapes).map((b) => ({ text: JSON.stringify(b) ?? '', contentType: 'application/json' })) },
    { weight: 2, arbitrary: badJson().map((text) => ({ text, contentType: 'application/json' })) },
    { weight: 1, arbitrary: fc.tuple(fc.string({ unit: 'binary', maxLength: 300 }), fc.constantFrom(...CONTENT_TYPES)).map(([text, contentType]) => ({ text, contentType })) },
  );
}

function webhookRequest(t: Targets): Arbitrary<FuzzRequest> {
  const real = fc.constantFrom(...t.webhooks);
  const bodies = new Map(['sinch_sms', 'twilio', 'sinch_conversation'].map((p) => [p, providerBody(p)]));
  const fakePath = fc.tuple(oddPathSegment(), oddPathSegment(), fc.constantFrom('delivery', 'inbound', 'status', 'callbacks', 'x', '')).map(([a, b, c]) => `/webhooks/${a}/${b}/${c}`);
  return fc.oneof(
    {
      weight: 5,
      arbitrary: fc.oneof(...t.webhooks.map((hook) => fc.tuple(fc.constant(hook), oddQuery(), fc.integer({ min: 0, max: 3 }), bodies.get(hook.provider)!))).map(
        ([hook, query, signMode, b]) => {
          let path = hook.path + (hook.provider === 'twilio' && query === '' ? '?message_id=msg_x' : query);
          const headers: Record<string, string> = { 'content-type': b.contentType };
          // Mostly signed correctly, so hostile bodies reach the store and the parsers behind it.
          if (hook.secret && signMode > 0) {
            const signed = signFor(hook.provider, hook.secret, t.publicUrl, path, b.text, b.contentType);
            path = signed.path;
            Object.assign(headers, signed.headers);
          }
          return { surface: 'webhook', route: `POST /webhooks/${hook.provider}`, method: 'POST', path, headers, body: b.text };
        },
      ),
    },
    { weight: 1, arbitrary: fc.tuple(fakePath, bodies.get('sinch_sms')!).map(([path, b]) => ({ surface: 'webhook', route: 'POST /webhooks/(unknown)', method: 'POST', path, headers: { 'content-type': b.contentType }, body: b.text })) },
    { weight: 1, arbitrary: fc.tuple(real, fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'HEAD')).map(([hook, method]) => ({ surface: 'webhook', route: `${method} /webhooks/${hook.provider}`, method, path: hook.path, headers: {} })) },
  );
}

function ingestRequest(t: Targets): Arbitrary<FuzzRequest> {
  const target = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...t.ingest) }, { weight: 1, arbitrary: oddPathSegment().map((k) => ({ path: `/ingest/sinch/${k}`, secret: null })) });
  return fc.tuple(target, providerBody('sinch_sms'), fc.boolean()).map(([ingest, b, sign]) => {
    const headers: Record<string, string> = { 'content-type': b.contentType };
    if (ingest.secret && sign) Object.assign(headers, signFor('sinch_sms', ingest.secret, t.publicUrl, ingest.path, b.text, b.contentType).headers);
    return { surface: 'ingest', route: 'POST /ingest/sinch/{app_key}', method: 'POST', path: ingest.path, headers, body: b.text };
  });
}

function linkRequest(): Arbitrary<FuzzRequest> {
  return fc.tuple(fc.oneof(fc.stringMatching(/^[A-Za-z0-9]{1,32}$/), oddPathSegment()), fc.constantFrom('GET', 'GET', 'HEAD', 'POST', 'OPTIONS'), fc.constantFrom({}, { 'user-agent': 'Mozilla/5.0' }, { 'user-agent': 'Slackbot-LinkExpanding 1.0' }, { purpose: 'prefetch', 'user-agent': 'Mozilla/5.0' })).map(([code, method, headers]) => ({
    surface: 'link',
    route: `${method} /l/{code}`,
    method,
    path: `/l/${code}`,
    headers: headers as Record<string, string>,
  }));
}

function otherRequest(): Arbitrary<FuzzRequest> {
  return fc.tuple(
    fc.oneof(fc.constantFrom('/healthz', '/readyz', '/metrics', '/api/v1/openapi.json', '/', '/api', '/api/v1', '/api/v1/', '//api//v1//projects', '/api/v1/projects/', '/webhooks', '/ingest/sinch', '/l/', '/api/v1/../healthz', '/%2e%2e/api/v1/projects'), oddPathSegment().map((s) => `/${s}`), oddPathSegment().map((s) => `/api/v1/${s}`)),
    oddQuery(),
    fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH'),
  ).map(([path, query, method]): FuzzRequest => {
    const headers: Record<string, string> = method === 'POST' ? { 'content-type': 'application/json' } : {};
    return { surface: 'other', route: `${method} (misc)`, method, path: path + query, headers, ...(method === 'POST' ? { body: '{}' } : {}) };
  });
}

/**
 * Signs a callback as each provider does, over the given bytes: the headers to add and the path to
 * post to (a Twilio JSON webhook carries its body hash in the URL, which is then signed).
 */
export function signFor(provider: string, secret: string, publicUrl: string, path: string, body: string, contentType: string): { headers: Record<string, string>; path: string } {
  if (provider === 'twilio') {
    if (contentType.includes('json')) {
      const signedPath = `${path}${path.includes('?') ? '&' : '?'}bodySHA256=${bodySha256(body)}`;
      return { path: signedPath, headers: { 'x-twilio-signature': twilioSignature(secret, publicUrl + signedPath) } };
    }
    return { path, headers: { 'x-twilio-signature': twilioSignature(secret, publicUrl + path, formParams(body)) } };
  }
  const nonce = randomBytes(12).toString('hex');
  const timestamp = String(Math.floor(Date.now() / 1000));
  return {
    path,
    headers: {
      'x-sinch-webhook-signature': sinchSignature(secret, body, nonce, timestamp),
      'x-sinch-webhook-signature-nonce': nonce,
      'x-sinch-webhook-signature-timestamp': timestamp,
      'x-sinch-webhook-signature-algorithm': 'HmacSHA256',
    },
  };
}

/** Every request the fuzzer sends, weighted by surface. */
export function fuzzRequest(ops: Operation[], t: Targets, components: Record<string, JsonSchema>): Arbitrary<FuzzRequest> {
  return fc.oneof(
    { weight: 70, arbitrary: apiRequest(ops, t, components) },
    { weight: 12, arbitrary: webhookRequest(t) },
    { weight: 8, arbitrary: ingestRequest(t) },
    { weight: 4, arbitrary: linkRequest() },
    { weight: 6, arbitrary: otherRequest() },
  );
}
