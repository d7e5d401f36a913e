// Exponential backoff with full jitter: spreads retries of many messages that failed together.

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
  factor: number;
  /**
   * The least wait after an attempt whose outcome is unknown (a timeout): time for a report
   * naming the message to arrive and prove the provider has it, before the hub asks or resends.
   */
  unconfirmedWaitMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1000, maxMs: 5 * 60 * 1000, factor: 2, unconfirmedWaitMs: 30_000 };

/** Delay before retry number `attempt` (1 = first retry). */
export function backoffDelay(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * policy.factor ** Math.max(0, attempt - 1));
  // Never zero: an instant retry against a provider that just said 429 helps nobody.
  return Math.max(Math.round(policy.baseMs / 10), Math.round(random() * ceiling));
}

/** A provider's Retry-After wins when it asks for longer than our own backoff. */
export function retryDelay(attempt: number, retryAfterMs: number | undefined, policy?: BackoffPolicy, random?: () => number): number {
  const own = backoffDelay(attempt, policy, random);
  return retryAfterMs !== undefined && retryAfterMs > own ? retryAfterMs : own;
}
