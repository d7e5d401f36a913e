// Failed console sign-ins per client address (POST /api/v1/session): after `maxFailures` in a
// window, that address is refused (429) until the window ends, whatever key it sends next, so a
// key cannot be guessed at speed. Only failures count: a valid key neither counts nor clears the
// count (a project key's holder must not be able to reset it while guessing the admin token).
// Memory is bounded: an LRU of at most `maxClients` addresses whose entries also expire with their
// window. A general request rate limit (@fastify/rate-limit) counts every request, which is not this.
import { isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';
import { LRUCache } from 'lru-cache';

export interface SignInLimits {
  maxFailures: number;
  windowMs: number;
  /** Addresses tracked at once; the least recently failing one is forgotten past it. */
  maxClients: number;
}

export const SIGN_IN_LIMITS: SignInLimits = { maxFailures: 10, windowMs: 5 * 60_000, maxClients: 10_000 };

interface Failures {
  count: number;
  /** When the window that the first failure opened ends (epoch ms). */
  resetAt: number;
}

export class SignInLimiter {
  readonly #entries: LRUCache<string, Failures>;

  constructor(
    readonly limits: SignInLimits = SIGN_IN_LIMITS,
    private readonly clock: () => number = Date.now,
  ) {
    // The TTL only sweeps memory; the window itself is judged on `clock` below.
    this.#entries = new LRUCache({ max: limits.maxClients, ttl: limits.windowMs, ttlAutopurge: false });
  }

  #live(client: string): Failures | undefined {
    const f = this.#entries.get(client);
    if (f && f.resetAt <= this.clock()) {
      this.#entries.delete(client);
      return undefined;
    }
    return f;
  }

  /** Seconds until the client may try again; 0 when it may now. */
  blockedFor(client: string): number {
    const f = this.#live(client);
    return f && f.count >= this.limits.maxFailures ? Math.max(1, Math.ceil((f.resetAt - this.clock()) / 1000)) : 0;
  }

  recordFailure(client: string): void {
    const f = this.#live(client);
    if (f) f.count++;
    else this.#entries.set(client, { count: 1, resetAt: this.clock() + this.limits.windowMs });
  }

  /** Addresses tracked now (for tests of the bound). */
  get size(): number {
    return this.#entries.size;
  }
}

const isLocal = (ip: string) => /^(127\.|10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|::1$|fc|fd|::ffff:(127|10|192\.168)\.)/i.test(ip);

/**
 * The address a sign-in is counted against. The peer of the socket, unless that peer is on a
 * loopback or private network (a reverse proxy in front of the hub): then the last address in
 * X-Forwarded-For, the one that proxy saw and appended. The first entries are the client's own
 * claim and could be anything, so they are never used (nor is `req.ip`, which trusts them).
 */
export function clientAddress(req: FastifyRequest): string {
  const peer = req.socket.remoteAddress ?? 'unknown';
  if (!isLocal(peer)) return peer;
  const forwarded = req.headers['x-forwarded-for'];
  const last = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? '')).split(',').pop()?.trim();
  return last && isIP(last) ? last : peer;
}
