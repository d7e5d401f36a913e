// What hub processes sharing one database tell each other (over LISTEN/NOTIFY, see
// store/coordination.ts): work for a sender that runs elsewhere, and changes to what each process
// holds in memory. Small JSON payloads (a notification carries at most 8000 bytes).
import type { Channel } from '../core/status.js';

export type News =
  /** Messages of the integration are queued: its sender should look now rather than at its next poll. */
  | { kind: 'wake'; integrationId: string }
  /** The integration's circuit breaker opened or closed (docs/failover.md): failover passes over an open one. */
  | { kind: 'breaker'; integrationId: string; open: boolean }
  /** The integration was created, changed or deleted: drop its cached runtime. */
  | { kind: 'integration'; integrationId: string }
  /** The customer opted out on these channels: senders drop what they claimed for them. */
  | { kind: 'opt_out'; customerRef: string; channels: Channel[] }
  /** The campaign was paused or cancelled: senders drop what they claimed of it. */
  | { kind: 'hold'; campaignId: string; how: 'paused' | 'cancelled' }
  /** The campaign was resumed. */
  | { kind: 'release'; campaignId: string }
  /** A campaign was scheduled: the scheduler should look now. */
  | { kind: 'scheduled' }
  /** An import was queued. */
  | { kind: 'import' };

/** As sent: the news and the process it comes from (a process hears its own notifications too). */
export function encodeNews(from: string, news: News): string {
  return JSON.stringify({ from, ...news });
}

const KINDS = new Set<News['kind']>(['wake', 'breaker', 'integration', 'opt_out', 'hold', 'release', 'scheduled', 'import']);

/** The news in a payload, or null when it is not news of this version (a newer process, say). */
export function decodeNews(payload: string): { from: string; news: News } | null {
  let v: unknown;
  try {
    v = JSON.parse(payload);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const { from, ...rest } = v as { from?: unknown; kind?: unknown };
  if (typeof from !== 'string' || typeof rest.kind !== 'string' || !KINDS.has(rest.kind as News['kind'])) return null;
  return { from, news: rest as News };
}
