// Sinch SMS delivery-report vocabulary as data (docs/providers/sinch-sms.md A.7).
import type { DeliveryStatus } from '../../core/status.js';

/**
 * Sinch `status` word → canonical status. `null` means "no event": `Queued` is Sinch's own
 * queue, before anything reached the network, and the message is already `enqueued`.
 */
export const SINCH_STATUS_MAP: Readonly<Record<string, DeliveryStatus | null>> = {
  Queued: null,
  Dispatched: 'sent',
  Delivered: 'delivered',
  Rejected: 'rejected',
  Aborted: 'rejected', // refused by Sinch before the SMSC (codes 402–418)
  Failed: 'failed',
  Expired: 'failed',
  Deleted: 'failed',
  Unknown: 'failed',
  Cancelled: 'failed',
};

/** Status words that are not a problem: their reports carry no `error`/`comment`. */
export const SINCH_SUCCESS_STATUSES: ReadonlySet<string> = new Set(['Queued', 'Dispatched', 'Delivered']);

/** REST-specific DR codes (400–418) and their names, as Sinch documents them. */
export const SINCH_REST_CODE_NAMES: Readonly<Record<number, string>> = {
  400: 'Queued',
  401: 'Dispatched',
  402: 'Message unroutable',
  403: 'Internal error',
  404: 'Temporary delivery failure',
  405: 'Unmatched Parameter',
  406: 'Internal Expiry',
  407: 'Cancelled',
  408: 'Internal Reject',
  410: 'Unmatched default originator',
  411: 'Exceeded parts limit',
  412: 'Unprovisioned region',
  413: 'Blocked (account blocked / out of credits)',
  414: 'Bad Media',
  415: 'DR Rejected',
  416: 'DR Not Supported',
  417: 'DR Unreachable',
  418: 'DR Unrecognized',
};

/**
 * Canonical status for a Sinch status word: a DeliveryStatus, `null` for no event (Queued),
 * or `undefined` for a word this table does not know.
 */
export function mapSinchStatus(status: string): DeliveryStatus | null | undefined {
  return Object.hasOwn(SINCH_STATUS_MAP, status) ? SINCH_STATUS_MAP[status] : undefined;
}

/** Name of a DR code; SMPP codes (< 400) have no name here, their table is per operator. */
export function sinchCodeName(code: number): string | null {
  return SINCH_REST_CODE_NAMES[code] ?? null;
}
