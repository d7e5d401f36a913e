import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import { loadConfig } from './config.js';
import { loggerOptions, prettyStream, resolveLogFormat } from './logger.js';
import { tempDir } from '../test/helpers.js';

test('LOG_FORMAT: auto is pretty only on a terminal; json and pretty are taken as said', () => {
  assert.equal(resolveLogFormat('auto', true), 'pretty');
  assert.equal(resolveLogFormat('auto', false), 'json');
  assert.equal(resolveLogFormat('json', true), 'json');
  assert.equal(resolveLogFormat('pretty', false), 'pretty');
  const env = { SWITCHBOARD_DATA_DIR: tempDir(), SWITCHBOARD_ADMIN_TOKEN: 't' };
  assert.equal(loadConfig(env).logFormat, 'auto');
  assert.equal(loadConfig({ ...env, LOG_FORMAT: 'pretty' }).logFormat, 'pretty');
  assert.throws(() => loadConfig({ ...env, LOG_FORMAT: 'xml' }), /LOG_FORMAT must be json, pretty or auto/);
});

test('pretty lines are readable and redacted like the JSON ones', () => {
  let out = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      out += chunk.toString('utf8');
      done();
    },
  });
  const logger = pino(loggerOptions('info'), prettyStream(false, sink));
  logger.warn({ integration_id: 'int_1', req: { method: 'POST', url: '/webhooks/int_1/secret-token/callbacks', headers: { authorization: 'Bearer sekrit' } } }, 'send refused');
  assert.match(out, /WARN.*send refused/);
  assert.match(out, /integration_id: "int_1"/);
  assert.doesNotMatch(out, /secret-token|sekrit/);
  assert.doesNotMatch(out, /^\{/, 'not JSON');
});
