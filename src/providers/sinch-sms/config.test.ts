import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import { regionBaseUrl, resolveBaseUrl, SinchSmsConfigSchema, SinchSmsSecretsSchema, SINCH_SMS_REGIONS } from './config.js';

test('region hosts and base_url override', () => {
  for (const region of SINCH_SMS_REGIONS) assert.equal(regionBaseUrl(region), `https://${region}.sms.api.sinch.com`);
  const cases: [Parameters<typeof resolveBaseUrl>[0], string][] = [
    [{}, 'https://us.sms.api.sinch.com'],
    [{ region: 'eu' }, 'https://eu.sms.api.sinch.com'],
    [{ region: 'eu', base_url: 'http://127.0.0.1:9000/' }, 'http://127.0.0.1:9000'],
  ];
  for (const [config, expected] of cases) assert.equal(resolveBaseUrl(config), expected);
});

test('config and secrets schemas', () => {
  // (base_url's `format: uri` is checked by the API's validator; not exercised here.)
  const configs: [unknown, boolean][] = [
    [{ service_plan_id: 'abc_123-X' }, true],
    [{ service_plan_id: 'abc', region: 'ca', default_sender: 'Brand' }, true],
    [{ service_plan_id: '' }, false],
    [{ service_plan_id: 'a/b' }, false],
    [{ service_plan_id: 'abc', region: 'xx' }, false],
    [{ service_plan_id: 'abc', extra: 1 }, false],
    [{}, false],
  ];
  for (const [config, ok] of configs) assert.equal(Value.Check(SinchSmsConfigSchema, config), ok, JSON.stringify(config));
  assert.equal(Value.Check(SinchSmsSecretsSchema, { api_token: 't' }), true);
  assert.equal(Value.Check(SinchSmsSecretsSchema, { api_token: 't', webhook_signing_secret: 's' }), true);
  assert.equal(Value.Check(SinchSmsSecretsSchema, { api_token: '' }), false);
  assert.deepEqual(Value.Default(SinchSmsConfigSchema, { service_plan_id: 'p' }), { service_plan_id: 'p', region: 'us' });
});
