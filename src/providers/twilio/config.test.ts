import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import { isMessagingServiceSid, messagesUrl, resolveBaseUrl, TwilioConfigSchema, TwilioSecretsSchema } from './config.js';

const AC = `AC${'a1'.repeat(16)}`;
const SK = `SK${'B2'.repeat(16)}`;

test('base URL and Messages.json URL', () => {
  const cases: [Parameters<typeof resolveBaseUrl>[0], string][] = [
    [{}, 'https://api.twilio.com'],
    [{ base_url: 'http://127.0.0.1:8082/' }, 'http://127.0.0.1:8082'],
    [{ base_url: 'https://proxy.example.com/twilio//' }, 'https://proxy.example.com/twilio'],
  ];
  for (const [config, expected] of cases) assert.equal(resolveBaseUrl(config), expected);
  assert.equal(messagesUrl({ account_sid: AC }), `https://api.twilio.com/2010-04-01/Accounts/${AC}/Messages.json`);
});

test('config and secrets schemas', () => {
  // (base_url's `format: uri` is checked by the API's validator; not exercised here.)
  const configs: [unknown, boolean][] = [
    [{ account_sid: AC }, true],
    [{ account_sid: `AC${'A1'.repeat(16)}` }, true], // upper-case hex
    [{ account_sid: `AC${'a'.repeat(31)}` }, false],
    [{ account_sid: `AC${'g'.repeat(32)}` }, false],
    [{ account_sid: SK }, false],
    [{ account_sid: AC, extra: 1 }, false],
    [{}, false],
  ];
  for (const [config, ok] of configs) assert.equal(Value.Check(TwilioConfigSchema, config), ok, JSON.stringify(config));

  const secrets: [unknown, boolean][] = [
    [{ auth_token: 't', api_key_sid: SK, api_key_secret: 's' }, true],
    [{ auth_token: '', api_key_sid: SK, api_key_secret: 's' }, false],
    [{ auth_token: 't', api_key_sid: SK, api_key_secret: '' }, false],
    [{ auth_token: 't', api_key_sid: AC, api_key_secret: 's' }, false],
    [{ auth_token: 't', api_key_secret: 's' }, false],
    [{ auth_token: 't', api_key_sid: SK }, false],
    [{ auth_token: 't', api_key_sid: SK, api_key_secret: 's', other: 'x' }, false],
  ];
  for (const [value, ok] of secrets) assert.equal(Value.Check(TwilioSecretsSchema, value), ok, JSON.stringify(value));
});

test('Messaging Service SIDs', () => {
  const cases: [string, boolean][] = [
    [`MG${'0123456789abcdef'.repeat(2)}`, true],
    [`MG${'0123456789ABCDEF'.repeat(2)}`, true],
    [`MG${'0'.repeat(31)}`, false],
    [`MG${'0'.repeat(33)}`, false],
    ['+14155552345', false],
    ['MyBrand', false],
    ['MG', false],
  ];
  for (const [value, expected] of cases) assert.equal(isMessagingServiceSid(value), expected, value);
});
