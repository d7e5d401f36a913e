import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import { CM_ENDPOINTS, CmConfigSchema, CmSecretsSchema, messageUrl, resolveBaseUrl } from './config.js';

const TOKEN = '5b2f1c8e-0d7a-4e3b-9f61-2a4c6e8b0d13';

test('gateway hosts and base_url override', () => {
  const cases: [Parameters<typeof resolveBaseUrl>[0], string][] = [
    [{}, 'https://gw.messaging.cm.com'],
    [{ endpoint: 'global' }, 'https://gw.messaging.cm.com'],
    [{ endpoint: 'global_alternative' }, 'https://gw.cmtelecom.com'],
    [{ endpoint: 'uk' }, 'https://gw-uk.cmtelecom.com'],
    [{ endpoint: 'uk', base_url: 'http://127.0.0.1:9000//' }, 'http://127.0.0.1:9000'],
  ];
  for (const [config, expected] of cases) assert.equal(resolveBaseUrl(config), expected);
  assert.equal(messageUrl({}), 'https://gw.messaging.cm.com/v1.0/message');
  assert.equal(messageUrl({ endpoint: 'global_alternative' }), 'https://gw.cmtelecom.com/v1.0/message');
  assert.equal(Object.keys(CM_ENDPOINTS).length, 5);
});

test('config and secrets schemas', () => {
  const configs: [unknown, boolean][] = [
    [{}, true],
    [{ endpoint: 'hk', default_sender: 'Brand' }, true],
    [{ default_sender: '3197010203040506' }, true],
    [{ default_sender: '31970102030405067' }, false], // 17 characters
    [{ default_sender: '' }, false],
    [{ default_sender: 'CM Telecom' }, true],
    [{ default_sender: '+31970102030' }, true],
    [{ default_sender: 'Acme&Co' }, false],
    [{ default_sender: 'Switchboard1' }, false], // 12 characters
    [{ endpoint: 'eu' }, false],
    [{ product_token: TOKEN }, false], // secrets are not config
  ];
  for (const [config, ok] of configs) assert.equal(Value.Check(CmConfigSchema, config), ok, JSON.stringify(config));
  const secrets: [unknown, boolean][] = [
    [{ product_token: TOKEN }, true],
    [{ product_token: TOKEN.toUpperCase() }, true],
    [{ product_token: 'not-a-guid' }, false],
    [{ product_token: `${TOKEN}0` }, false],
    [{}, false],
    [{ product_token: TOKEN, extra: 'x' }, false],
  ];
  for (const [s, ok] of secrets) assert.equal(Value.Check(CmSecretsSchema, s), ok, JSON.stringify(s));
  assert.deepEqual(Value.Default(CmConfigSchema, {}), { endpoint: 'global' });
});
