import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TObject } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { PROVIDER_URL_FORMAT, providerUrlProblem } from './provider-url.js';
import { allAdapters } from './registry.js';

test('every URL field of every provider config is a ProviderUrl', () => {
  let seen = 0;
  for (const adapter of allAdapters()) {
    const properties = (adapter.configSchema as TObject).properties as Record<string, TObject['properties'][string] & { format?: string }>;
    for (const [field, schema] of Object.entries(properties)) {
      if (!field.endsWith('_url')) continue;
      seen++;
      assert.equal(schema.format, PROVIDER_URL_FORMAT, `${adapter.type}.${field}`);
    }
  }
  assert.ok(seen >= 4, `only ${seen} URL fields found`);
});

test('the schema alone refuses what no setting allows, and leaves loopback to the policy', () => {
  for (const adapter of allAdapters()) {
    const properties = (adapter.configSchema as TObject).properties as Record<string, TObject['properties'][string] & { format?: string }>;
    for (const [field, schema] of Object.entries(properties)) {
      if (schema.format !== PROVIDER_URL_FORMAT) continue;
      const label = `${adapter.type}.${field}`;
      assert.equal(Value.Check(schema, 'https://api.example.com/v1'), true, label);
      assert.equal(Value.Check(schema, 'http://127.0.0.1:9000'), true, label);
      for (const bad of ['http://169.254.169.254/', 'https://u:p@api.example.com', 'https://api.example.com/#x', 'ftp://api.example.com', 'http://[::]/'])
        assert.equal(Value.Check(schema, bad), false, `${label}: ${bad}`);
    }
  }
});

test('providerUrlProblem names the first refused field and why', () => {
  const adapter = allAdapters().find((a) => a.type === 'sinch_conversation')!;
  const strict = { allowLoopback: false };
  assert.equal(providerUrlProblem(adapter.configSchema, { base_url: 'https://eu.conversation.api.sinch.com' }, strict), null);
  assert.deepEqual(providerUrlProblem(adapter.configSchema, { base_url: 'https://ok.example.com', auth_url: 'http://localhost:9/token' }, strict), {
    field: 'auth_url',
    reason: 'must not point at a loopback address (127.0.0.0/8, ::1, localhost)',
    loopback: true,
  });
  assert.equal(providerUrlProblem(adapter.configSchema, { auth_url: 'http://localhost:9/token' }, { allowLoopback: true }), null);
  assert.deepEqual(providerUrlProblem(adapter.configSchema, { base_url: 'http://2852039166/' }, strict), {
    field: 'base_url',
    reason: 'must not point at a link-local address (169.254.0.0/16, fe80::/10), where cloud metadata services answer',
    loopback: false,
  });
  // Not a string, or no object at all: the schema reports it, not this check.
  assert.equal(providerUrlProblem(adapter.configSchema, { base_url: 5 }, strict), null);
  assert.equal(providerUrlProblem(adapter.configSchema, null, strict), null);
});
