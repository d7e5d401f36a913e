// OAuth2 client credentials for the Conversation API (docs/providers/sinch-conversation.md B.2): POST the token
// endpoint with HTTP Basic `access_key:access_secret` and `grant_type=client_credentials`, then
// send `Authorization: Bearer <access_token>`. Tokens live 3600 s; one is shared by every send of
// an integration, fetched once for concurrent sends and dropped when the API answers 401.
import { createHash } from 'node:crypto';
import type { Dispatcher } from 'undici';
import { clean } from '../../core/redact.js';
import { addressRefusal, isRetryableStatus, isSuccessStatus, networkFailure, postCapped, retryAfterAnswer, withSignal, type HttpAnswer, type RefusedResult, type RetryResult } from '../http.js';
import { isRecord, parseJson, stringField } from '../json.js';

export interface TokenCredentials {
  /** The full token endpoint URL. */
  authUrl: string;
  accessKey: string;
  accessSecret: string;
}

export interface TokenRequestContext {
  pool: Dispatcher;
  /** Aborts this caller's wait only; a shared token request carries on for the others. */
  signal?: AbortSignal;
}

export type TokenOutcome = { ok: true; token: string } | { ok: false; result: RetryResult | RefusedResult };

export interface TokenCacheOptions {
  /** Header and body timeout of a token request (default 15 s). */
  timeoutMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/** Sinch's documented lifetime, used when a token answer has no usable `expires_in`. */
export const DEFAULT_EXPIRES_IN_S = 3600;
/** Refresh this long before a token expires... */
export const EXPIRY_MARGIN_S = 60;

/** ...but keep a short-lived token for at least half its life. */
export function reuseSeconds(expiresIn: number): number {
  return Math.max(expiresIn - EXPIRY_MARGIN_S, expiresIn / 2);
}

/** What the token endpoint's non-2xx statuses mean when its body says nothing usable. */
const TOKEN_HTTP_ERRORS: Readonly<Record<number, string>> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  429: 'too_many_requests',
  500: 'internal_error',
  502: 'bad_gateway',
  503: 'service_unavailable',
  504: 'gateway_timeout',
};

interface CachedToken {
  token: string;
  refreshAtMs: number;
}

/**
 * Access tokens per (token endpoint, access key, secret). The secret enters the key only as a
 * SHA-256 digest, so a rotated secret gets a fresh token and the map never holds secrets.
 */
export class SinchConversationTokenCache {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly inflight = new Map<string, Promise<TokenOutcome>>();
  private readonly timeoutMs: number;
  private readonly now: () => number;
  /** Token requests sent so far (for tests and metrics). */
  requests = 0;

  constructor(options: TokenCacheOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.now = options.now ?? Date.now;
  }

  /** A valid token: the cached one, the one being fetched, or a new one. */
  async get(creds: TokenCredentials, ctx: TokenRequestContext): Promise<TokenOutcome> {
    const key = cacheKey(creds);
    const cached = this.tokens.get(key);
    if (cached && this.now() < cached.refreshAtMs) return { ok: true, token: cached.token };
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.fetchToken(key, creds, ctx.pool).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    try {
      return await withSignal(pending, ctx.signal);
    } catch (err) {
      return { ok: false, result: networkFailure(err, secretsOf(creds)) };
    }
  }

  /**
   * Forgets the cached token after the API refused it (401). With `token`, only when the cache
   * still holds that one: a concurrent send may already have replaced it with a fresh token.
   */
  invalidate(creds: TokenCredentials, token?: string): void {
    const key = cacheKey(creds);
    const cached = this.tokens.get(key);
    if (cached && (token === undefined || cached.token === token)) this.tokens.delete(key);
  }

  clear(): void {
    this.tokens.clear();
  }

  get size(): number {
    return this.tokens.size;
  }

  private async fetchToken(key: string, creds: TokenCredentials, pool: Dispatcher): Promise<TokenOutcome> {
    this.requests += 1;
    const basic = Buffer.from(`${creds.accessKey}:${creds.accessSecret}`).toString('base64');
    const secrets = [creds.accessSecret, basic];
    const startedMs = this.now();
    let answer: HttpAnswer;
    try {
      answer = await postCapped(creds.authUrl, {
        pool,
        authorization: `Basic ${basic}`,
        contentType: 'application/x-www-form-urlencoded',
        body: 'grant_type=client_credentials',
        timeoutMs: this.timeoutMs,
      });
    } catch (err) {
      return { ok: false, result: addressRefusal(err, secrets, 'token endpoint: ') ?? networkFailure(err, secrets, 'token endpoint: ') };
    }

    const { statusCode, headers, text } = answer;
    const json = parseJson(text);
    if (isSuccessStatus(statusCode)) {
      const token = stringField(json, 'access_token').trim();
      if (!token) {
        // A broken answer (proxy page, truncated body): another try may well work.
        return {
          ok: false,
          result: { kind: 'retry', statusCode, error: 'invalid_token_response', comment: 'token endpoint: the answer has no access_token' },
        };
      }
      const expiresIn = positiveNumber(isRecord(json) ? json['expires_in'] : undefined) ?? DEFAULT_EXPIRES_IN_S;
      this.tokens.set(key, { token, refreshAtMs: startedMs + reuseSeconds(expiresIn) * 1000 });
      return { ok: true, token };
    }

    const { error, comment } = describeTokenError(statusCode, json, text, secrets);
    if (isRetryableStatus(statusCode)) return { ok: false, result: retryAfterAnswer(statusCode, headers, error, comment) };
    // 400/401/403/404…: wrong credentials or a wrong auth_url; retrying cannot help, and no
    // message of the integration gets through: the provider's fault, for failover.
    return { ok: false, result: { kind: 'refused', statusCode, error, comment, fault: 'provider' } };
  }
}

function cacheKey(creds: TokenCredentials): string {
  const digest = createHash('sha256').update(creds.accessSecret).digest('hex');
  return `${creds.authUrl}\n${creds.accessKey}\n${digest}`;
}

function secretsOf(creds: TokenCredentials): string[] {
  return [creds.accessSecret];
}

function positiveNumber(v: unknown): number | undefined {
  const n = typeof v === 'string' && /^\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
}

/**
 * OAuth2 error bodies (RFC 6749 §5.2: `{error, error_description}`), the Google-style
 * `{error: {status, message}}` of Sinch's gateways, else the HTTP status.
 */
function describeTokenError(
  statusCode: number,
  json: unknown,
  text: string,
  secrets: readonly string[],
): { error: string; comment: string } {
  const fallback = TOKEN_HTTP_ERRORS[statusCode] ?? `http_${statusCode}`;
  if (isRecord(json)) {
    const e = json['error'];
    if (typeof e === 'string' && e) {
      const description = stringField(json, 'error_description');
      return { error: e, comment: clean(`token endpoint: ${description || e}`, secrets) };
    }
    if (isRecord(e) && typeof e['status'] === 'string' && e['status']) {
      const message = stringField(e, 'message');
      return { error: e['status'], comment: clean(`token endpoint: ${message || e['status']}`, secrets) };
    }
  }
  const body = clean(text, secrets);
  return { error: fallback, comment: clean(`token endpoint: ${body || `HTTP ${statusCode}`}`, secrets) };
}
