// Sinch callback signing, shared by SMS and the Conversation API (docs/providers/sinch-conversation.md B.7, sinch-sms.md A.9):
// base64(HMAC-SHA256(secret, rawBody + "." + nonce + "." + timestamp)), timestamp in epoch seconds.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { InboundWebhook, VerifyResult } from './types.js';

export const SIGNATURE_HEADER = 'x-sinch-webhook-signature';
export const TIMESTAMP_HEADER = 'x-sinch-webhook-signature-timestamp';
export const NONCE_HEADER = 'x-sinch-webhook-signature-nonce';
export const ALGORITHM_HEADER = 'x-sinch-webhook-signature-algorithm';

/** How far a callback's timestamp may be from our clock. */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

export function sinchSignature(secret: string, rawBody: Buffer | string, nonce: string, timestamp: string): string {
  return createHmac('sha256', secret)
    .update(rawBody)
    .update('.')
    .update(nonce)
    .update('.')
    .update(timestamp)
    .digest('base64');
}

/** Headers a provider (or our simulator) sends with a signed callback. */
export function signSinchCallback(secret: string, rawBody: Buffer | string, nowMs = Date.now()): Record<string, string> {
  const nonce = randomBytes(16).toString('hex');
  const timestamp = String(Math.floor(nowMs / 1000));
  return {
    [SIGNATURE_HEADER]: sinchSignature(secret, rawBody, nonce, timestamp),
    [TIMESTAMP_HEADER]: timestamp,
    [NONCE_HEADER]: nonce,
    [ALGORITHM_HEADER]: 'HmacSHA256',
  };
}

/** Headers of a JSON callback as Sinch sends it: signed (afresh, new nonce) when there is a secret. */
export function sinchCallbackHeaders(secret: string | undefined, rawBody: string): Record<string, string> {
  return { 'content-type': 'application/json', ...(secret ? signSinchCallback(secret, rawBody) : {}) };
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export type SinchSignatureCheck =
  | { ok: true; nonce: string; timestampMs: number }
  | { ok: false; reason: string };

/**
 * Verifies a signed Sinch callback on its raw bytes with a constant-time comparison and a
 * bounded timestamp. Nonce reuse is checked by the caller, which owns durable storage.
 */
export function verifySinchSignature(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  rawBody: Buffer,
  nowMs: number,
): SinchSignatureCheck {
  const signature = header(headers, SIGNATURE_HEADER);
  const nonce = header(headers, NONCE_HEADER);
  const timestamp = header(headers, TIMESTAMP_HEADER);
  if (!signature || !nonce || !timestamp) return { ok: false, reason: 'missing signature headers' };
  const algorithm = header(headers, ALGORITHM_HEADER);
  if (algorithm && algorithm.toLowerCase() !== 'hmacsha256') return { ok: false, reason: 'unsupported signature algorithm' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'malformed signature timestamp' };
  const timestampMs = Number(timestamp) * 1000;
  if (Math.abs(nowMs - timestampMs) > MAX_CLOCK_SKEW_MS) return { ok: false, reason: 'signature timestamp outside the allowed window' };
  const expected = Buffer.from(sinchSignature(secret, rawBody, nonce, timestamp));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, reason: 'signature mismatch' };
  }
  return { ok: true, nonce, timestampMs };
}

/** How long a nonce must be remembered: longer than the ±5 min timestamp window it passes. */
export const REPLAY_WINDOW_MS = 10 * 60 * 1000;

/**
 * A Sinch callback's verdict, for SMS and the Conversation API alike. Without a secret Sinch
 * sends no signature headers (B.7): the secret URL token, already checked by the core, is then
 * the only authentication. A signed callback must match, and its nonce becomes the replay key.
 */
export function verifySinchWebhook(secret: string | undefined, hook: InboundWebhook, nowMs: number): VerifyResult {
  if (!secret) return { ok: true };
  const check = verifySinchSignature(secret, hook.headers, hook.rawBody, nowMs);
  if (!check.ok) return { ok: false, reason: check.reason };
  return { ok: true, replayKey: { nonce: check.nonce, expiresAtMs: check.timestampMs + REPLAY_WINDOW_MS } };
}
