import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FormatRegistry } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import {
  DEFAULT_AUTH_URL,
  regionBaseUrl,
  resolveAuthUrl,
  resolveBaseUrl,
  SINCH_CONVERSATION_REGIONS,
  SinchConversationConfigSchema,
  SinchConversationSecretsSchema,
} from './config.js';

test('region hosts, base_url and auth_url overrides', () => {
  for (const region of SINCH_CONVERSATION_REGIONS) assert.equal(regionBaseUrl(region), `https://${region}.conversation.api.sinch.com`);
  const cases: [Parameters<typeof resolveBaseUrl>[0], string][] = [
    [{}, 'https://eu.conversation.api.sinch.com'],
    [{ region: 'us' }, 'https://us.conversation.api.sinch.com'],
    [{ region: 'br' }, 'https://br.conversation.api.sinch.com'],
    [{ region: 'us', base_url: 'http://127.0.0.1:9000/' }, 'http://127.0.0.1:9000'],
    [{ base_url: 'https://proxy.example.com/sinch//' }, 'https://proxy.example.com/sinch'],
  ];
  for (const [config, expected] of cases) assert.equal(resolveBaseUrl(config), expected);
  assert.equal(resolveAuthUrl({}), DEFAULT_AUTH_URL);
  assert.equal(DEFAULT_AUTH_URL, 'https://auth.sinch.com/oauth2/token');
  assert.equal(resolveAuthUrl({ auth_url: 'http://127.0.0.1:9000/oauth2/token' }), 'http://127.0.0.1:9000/oauth2/token');
});

test('config and secrets schemas', () => {
  // The API's validator knows `format: uri`; bare TypeBox needs it registered.
  if (!FormatRegistry.Has('uri')) FormatRegistry.Set('uri', (v) => URL.canParse(v));
  const configs: [unknown, boolean][] = [
    [{ project_id: 'e2df3a34-a71b-4448-9db5-a8d2baad28e4', app_id: '01HZ8N7R2ZK3E0C4B5W6X7Y8Z9' }, true],
    [{ project_id: 'p', app_id: 'a', region: 'br', base_url: 'http://127.0.0.1:8083', auth_url: 'http://127.0.0.1:8083/oauth2/token' }, true],
    [{ project_id: '', app_id: 'a' }, false],
    [{ project_id: 'p', app_id: '' }, false],
    [{ project_id: 'p' }, false],
    [{ app_id: 'a' }, false],
    [{ project_id: 'p', app_id: 'a', region: 'au' }, false],
    [{ project_id: 'p', app_id: 'a', base_url: 'ftp://example.com' }, false],
    [{ project_id: 'p', app_id: 'a', extra: 1 }, false],
  ];
  for (const [config, ok] of configs) assert.equal(Value.Check(SinchConversationConfigSchema, config), ok, JSON.stringify(config));
  assert.deepEqual(Value.Default(SinchConversationConfigSchema, { project_id: 'p', app_id: 'a' }), { project_id: 'p', app_id: 'a', region: 'eu' });

  const secrets: [unknown, boolean][] = [
    [{ access_key: 'k', access_secret: 's' }, true],
    [{ access_key: 'k', access_secret: 's', webhook_signing_secret: 'w' }, true],
    [{ access_key: 'k', access_secret: 's', webhook_signing_secret: '' }, true],
    [{ access_key: '', access_secret: 's' }, false],
    [{ access_key: 'k', access_secret: '' }, false],
    [{ access_key: 'k' }, false],
    [{ access_key: 'k', access_secret: 's', api_token: 't' }, false],
  ];
  for (const [s, ok] of secrets) assert.equal(Value.Check(SinchConversationSecretsSchema, s), ok, JSON.stringify(s));
});
