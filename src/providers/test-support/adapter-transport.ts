// The transport failures every adapter must turn into retries (a long error body, connection
// refused, no answer in time, an aborted send), as one set of tests each adapter's send.test.ts
// runs against itself. Not a test file itself.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SendResult } from '../types.js';
import { answer, refusingUrl, type Handler } from './http-server.js';

export interface AdapterUnderTest {
  /** Makes the provider API stand-in answer with `handler`. */
  answerWith(handler: Handler): void;
  /** Drops requests the stand-in holds open. */
  closeAllConnections(): void;
  /** One send through a fresh adapter with `timeoutMs`, to `baseUrl` instead of the stand-in, with `signal`. */
  send(options: { baseUrl?: string; signal?: AbortSignal; timeoutMs?: number }): Promise<SendResult>;
  /** What must never show in a comment. */
  secrets: readonly string[];
}

export function testTransportFailures(adapter: AdapterUnderTest): void {
  test('send: a long error body is cut', async () => {
    adapter.answerWith(answer(502, 'x'.repeat(100_000)));
    const result = await adapter.send({});
    assert.ok(result.kind === 'retry' && result.comment.length <= 300);
  });

  test('send: connection refused is a network retry without secrets', async () => {
    const result = await adapter.send({ baseUrl: await refusingUrl() });
    assert.ok(result.kind === 'retry');
    assert.equal(result.statusCode, null);
    assert.equal(result.error, 'ECONNREFUSED');
    assert.ok(result.comment.length > 0);
    for (const secret of adapter.secrets) assert.ok(!result.comment.includes(secret), secret);
  });

  test('send: a server that never answers times out as a retry', async () => {
    adapter.answerWith(() => {}); // hold the request open
    const started = Date.now();
    const result = await adapter.send({ timeoutMs: 200 });
    assert.ok(Date.now() - started < 5_000);
    assert.ok(result.kind === 'retry' && result.statusCode === null);
    assert.equal(result.error, 'UND_ERR_HEADERS_TIMEOUT');
    adapter.closeAllConnections();
  });

  test('send: an aborted signal is a retry', async () => {
    adapter.answerWith(() => {});
    const controller = new AbortController();
    const pending = adapter.send({ signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const result = await pending;
    assert.ok(result.kind === 'retry' && result.statusCode === null);
    assert.equal(result.error, 'aborted');
    adapter.closeAllConnections();
  });
}
