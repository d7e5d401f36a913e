// The transport failures every adapter must classify alike, as one set of tests each adapter's
// send.test.ts runs against itself: a long error body and a refused connection are retries; no
// answer in time, a connection dropped mid-request and an aborted send are unknown outcomes.
// Not a test file itself.
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

  // A request that was written may have been taken: without an answer its outcome is unknown,
  // never a plain retry (which would send it twice) nor a refusal.
  test('send: a server that never answers times out as an unknown outcome', async () => {
    adapter.answerWith(() => {}); // hold the request open
    const started = Date.now();
    const result = await adapter.send({ timeoutMs: 200 });
    assert.ok(Date.now() - started < 5_000);
    assert.deepEqual({ kind: result.kind, error: 'error' in result ? result.error : null }, { kind: 'unknown', error: 'UND_ERR_HEADERS_TIMEOUT' });
    adapter.closeAllConnections();
  });

  test('send: a connection dropped after the request is an unknown outcome without secrets', async () => {
    adapter.answerWith((req) => req.socket.destroy());
    const result = await adapter.send({});
    assert.ok(result.kind === 'unknown', result.kind);
    assert.equal(result.statusCode, null);
    assert.ok(result.comment.length > 0);
    for (const secret of adapter.secrets) assert.ok(!result.comment.includes(secret), secret);
  });

  test('send: a send aborted while waiting for the answer is an unknown outcome', async () => {
    adapter.answerWith(() => {});
    const controller = new AbortController();
    const pending = adapter.send({ signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const result = await pending;
    assert.deepEqual({ kind: result.kind, error: 'error' in result ? result.error : null }, { kind: 'unknown', error: 'aborted' });
    adapter.closeAllConnections();
  });
}
