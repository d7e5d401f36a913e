// Provider failover decisions (docs/failover.md), as pure functions: what a send result says of
// the provider, the circuit breaker of one integration, and where a message goes while its
// integration's breaker is open. The sender (sender.ts) holds the state and does the I/O.
import type { SendAttemptResult } from '../messages/state.js';

/**
 * What a send result says about the integration:
 * - `ok`: the provider answered as a working provider does (accepted; or refused the message for
 *   its own content, which takes a provider that is up and that knows our credentials);
 * - `provider`: the provider (or our account there) is the problem: no connection, 5xx, 429 past
 *   the message's retry budget, authentication refused, no answer at all;
 * - `neutral`: says nothing either way (a 429 within budget, a message expired unsent, a lookup).
 */
export type Verdict = 'ok' | 'provider' | 'neutral';

/** Whose problem a failed send is, as the message sees it: only a provider fault is failed over. */
export type Fault = 'provider' | 'message';

export interface ClassifyOptions {
  /** A 429 counts as a provider fault from this attempt of the message on (the first is 1). */
  throttleBudget: number;
}

/**
 * The fault of a refusal or retry: the adapter's word when it gives one (CM's account codes, say),
 * else by status: no status (no connection), 5xx and 429 retries are the provider's; 401/403
 * refusals are the account's (the provider's, for failover); any other refusal is the message's.
 */
export function faultOf(result: SendAttemptResult): Fault | null {
  if (result.kind === 'retry') return result.fault ?? 'provider';
  if (result.kind === 'refused') {
    if (result.fault) return result.fault;
    if (result.optedOut || result.unreachable) return 'message';
    return result.statusCode === 401 || result.statusCode === 403 ? 'provider' : 'message';
  }
  if (result.kind === 'unknown') return 'provider';
  return null;
}

/** What a send result says of the integration (see Verdict); `attempt` is this attempt's number (1 for the first). */
export function verdictOf(result: SendAttemptResult, attempt: number, o: ClassifyOptions): Verdict {
  switch (result.kind) {
    case 'accepted':
    case 'confirmed':
      return 'ok';
    case 'expired':
    case 'unconfirmed':
      return 'neutral';
    case 'retry':
      // A provider asking us to slow down is working; one that keeps asking is not.
      if (result.statusCode === 429 && result.fault === undefined) return attempt >= o.throttleBudget ? 'provider' : 'neutral';
      return faultOf(result) === 'provider' ? 'provider' : 'ok';
    case 'refused':
    case 'unknown':
      return faultOf(result) === 'provider' ? 'provider' : 'ok';
  }
}

export interface BreakerOptions {
  /** Provider faults in a row (no success between) that open the breaker. */
  failureThreshold: number;
  /** How long it stays open before a probe, at first. */
  coolDownMs: number;
  /** Each failed probe multiplies the cool-down by this... */
  coolDownFactor: number;
  /** ...up to this. */
  maxCoolDownMs: number;
  /** See ClassifyOptions. */
  throttleBudget: number;
}

export const DEFAULT_BREAKER: BreakerOptions = { failureThreshold: 5, coolDownMs: 30_000, coolDownFactor: 2, maxCoolDownMs: 600_000, throttleBudget: 3 };

export type BreakerStateName = 'closed' | 'open' | 'half_open';

export interface BreakerState {
  state: BreakerStateName;
  /** Provider faults in a row while closed. */
  run: number;
  /** When it last opened (or a probe failed); sends started before it do not move it. */
  openedAt: number;
  /** The cool-down in force. */
  coolDownMs: number;
  /** Whether a probe is out (half open). */
  probing: boolean;
}

export function closedBreaker(o: BreakerOptions): BreakerState {
  return { state: 'closed', run: 0, openedAt: 0, coolDownMs: o.coolDownMs, probing: false };
}

/**
 * What the sender does with its next message now: `send` (closed), `probe` (the cool-down is over
 * and no probe is out: this one goes to the integration and decides), `reroute` (open).
 */
export type Admission = 'send' | 'probe' | 'reroute';

export function admission(b: BreakerState, now: number): Admission {
  if (b.state === 'closed') return 'send';
  if (b.probing) return 'reroute';
  return b.state === 'half_open' || now - b.openedAt >= b.coolDownMs ? 'probe' : 'reroute';
}

/** A probe goes out. */
export function startProbe(b: BreakerState): BreakerState {
  return { ...b, state: 'half_open', probing: true };
}

/** What a result did: `opened` (from closed), `reopened` (a probe failed), `closed` (a success while open). */
export type BreakerChange = 'opened' | 'reopened' | 'closed' | null;

/**
 * The breaker after a send's result. `startedAt`: when that send began; `probe`: whether it was
 * the probe. While open, only sends begun since it opened count: answers to sends begun before
 * tell of the provider as it was then. Any success since then closes it, probe or not.
 */
export function record(b: BreakerState, verdict: Verdict, p: { startedAt: number; probe: boolean; now: number }, o: BreakerOptions): { breaker: BreakerState; change: BreakerChange } {
  if (b.state === 'closed') {
    if (verdict === 'ok') return { breaker: b.run === 0 ? b : { ...b, run: 0 }, change: null };
    if (verdict === 'neutral') return { breaker: b, change: null };
    const run = b.run + 1;
    if (run < o.failureThreshold) return { breaker: { ...b, run }, change: null };
    return { breaker: { state: 'open', run, openedAt: p.now, coolDownMs: o.coolDownMs, probing: false }, change: 'opened' };
  }
  if (!p.probe && p.startedAt < b.openedAt) return { breaker: b, change: null };
  if (verdict === 'ok') return { breaker: closedBreaker(o), change: 'closed' };
  if (!p.probe) return { breaker: b, change: null };
  if (verdict === 'neutral') return { breaker: { ...b, probing: false }, change: null };
  const coolDownMs = Math.min(o.maxCoolDownMs, Math.round(b.coolDownMs * o.coolDownFactor));
  return { breaker: { state: 'open', run: b.run + 1, openedAt: p.now, coolDownMs, probing: false }, change: 'reopened' };
}

/** The channel key of a failover list: MMS goes with SMS, as its default integration does. */
export type FailoverChannel = 'sms' | 'whatsapp' | 'rcs';

/**
 * The integration a message of `from` goes to while `from`'s breaker is open: the first in the
 * channel's ordered list (the default first) that is not `from` and whose breaker is not open.
 * Null when `from` is not in the list (an integration named on the send, outside failover) or
 * every other one is open.
 */
export function failoverTarget(list: readonly string[], from: string, isOpen: (id: string) => boolean): string | null {
  if (!list.includes(from)) return null;
  return list.find((id) => id !== from && !isOpen(id)) ?? null;
}

/** The ordered list of a channel: its default integration, then the project's failover list, each once. */
export function failoverList(defaultId: string | null, backups: readonly string[] | undefined): string[] {
  const all = [...(defaultId ? [defaultId] : []), ...(backups ?? [])];
  return all.filter((id, i) => all.indexOf(id) === i);
}
