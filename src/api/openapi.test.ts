import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toOpenapi30 } from './openapi.js';

test('numeric exclusive bounds become OpenAPI 3.0 bounds with a boolean flag, at any depth', () => {
  const doc = {
    paths: {
      '/x': { post: { requestBody: { content: { 'application/json': { schema: { properties: { rate: { type: 'number', exclusiveMinimum: 0, maximum: 10 } } } } } } } },
    },
    components: { schemas: { Ratio: { anyOf: [{ type: 'number', exclusiveMinimum: -1, exclusiveMaximum: 1 }] } } },
  };
  assert.deepEqual(toOpenapi30(doc), {
    paths: {
      '/x': { post: { requestBody: { content: { 'application/json': { schema: { properties: { rate: { type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 10 } } } } } } } },
    },
    components: { schemas: { Ratio: { anyOf: [{ type: 'number', minimum: -1, exclusiveMinimum: true, maximum: 1, exclusiveMaximum: true }] } } },
  });
});

test('what is already OpenAPI 3.0 is left as it is', () => {
  const schema = { type: 'integer', minimum: 1, exclusiveMinimum: true, enum: [1, 2], description: 'exclusiveMinimum: 0', properties: { exclusiveMaximum: { type: 'string' } } };
  assert.deepEqual(toOpenapi30(schema), schema);
  assert.equal(toOpenapi30(null), null);
  assert.deepEqual(toOpenapi30([1, 'a', { exclusiveMaximum: 5 }]), [1, 'a', { maximum: 5, exclusiveMaximum: true }]);
});
