import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Value } from '@sinclair/typebox/value';
import { Type } from '@sinclair/typebox';
import { fuzzed, hostile, validish } from './fuzz-schema.js';
import { sizeFromEnv } from './inputs-sizes.js';
import { operationsOf } from './fuzz-requests.js';

const Send = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 20 }),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' })),
    channel: Type.Union([Type.Literal('sms'), Type.Literal('whatsapp')]),
    count: Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })),
    tags: Type.Optional(Type.Array(Type.String({ maxLength: 5 }), { maxItems: 3 })),
    attrs: Type.Optional(Type.Record(Type.String(), Type.String({ maxLength: 8 }))),
  },
  { additionalProperties: false },
);

test('validish values of a schema pass that schema', () => {
  const schema = JSON.parse(JSON.stringify(Send));
  for (const v of fc.sample(validish(schema), { seed: 7, numRuns: 500 })) {
    assert.ok(Value.Check(Send, v), JSON.stringify(v));
  }
});

test('fuzzed values are sometimes valid and sometimes not', () => {
  const schema = JSON.parse(JSON.stringify(Send));
  const values = fc.sample(fuzzed(schema, {}, 0.2), { seed: 8, numRuns: 500 });
  const valid = values.filter((v) => Value.Check(Send, v)).length;
  assert.ok(valid > 50 && valid < 450, `${valid} of 500 valid`);
});

test('hostile values include NULs, lone surrogates and deep nesting', () => {
  const values = fc.sample(hostile(), { seed: 9, numRuns: 3000 });
  const text = values.map((v) => (typeof v === 'string' ? v : '')).join('');
  assert.ok(text.includes('\u0000'));
  assert.ok(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text));
  const depth = (v: unknown): number => (v !== null && typeof v === 'object' ? 1 + Math.max(0, ...Object.values(v).map(depth)) : 0);
  assert.ok(values.some((v) => depth(v) >= 10));
});

test('operationsOf reads methods, path, query and header parameters and the JSON body', () => {
  const ops = operationsOf({
    paths: {
      '/p/{pid}/m': {
        post: {
          parameters: [{ in: 'path', name: 'pid' }, { in: 'header', name: 'idempotency-key', schema: { type: 'string' } }],
          requestBody: { content: { 'application/json': { schema: { type: 'object' } } } },
        },
        get: { parameters: [{ in: 'query', name: 'limit', schema: { type: 'string' } }] },
      },
    },
  });
  assert.deepEqual(ops.map((o) => o.method).sort(), ['GET', 'POST']);
  const post = ops.find((o) => o.method === 'POST')!;
  assert.deepEqual(post.pathParams, ['pid']);
  assert.deepEqual(post.headerParams.map((h) => h.name), ['idempotency-key']);
  assert.deepEqual(post.body, { type: 'object' });
  assert.deepEqual(ops.find((o) => o.method === 'GET')!.query.map((q) => q.name), ['limit']);
});

test('sizeFromEnv: the default, an override, and a refusal of nonsense', () => {
  assert.equal(sizeFromEnv('X', 5, {}), 5);
  assert.equal(sizeFromEnv('X', 5, { X: '100_000' }), 100_000);
  assert.throws(() => sizeFromEnv('X', 5, { X: 'lots' }), /positive integer/);
  assert.throws(() => sizeFromEnv('X', 5, { X: '0' }), /positive integer/);
});
