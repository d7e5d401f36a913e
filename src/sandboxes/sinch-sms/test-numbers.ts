// Sandbox test numbers. Sinch documents none, so the simulator defines its own, keyed on the
// last four digits of the recipient MSISDN (README.md has the same table for humans).
// Everything about a number's behaviour lives in this one table; the server only reads it.

/** Final statuses a recipient delivery report can carry (docs/providers/sinch-sms.md A.7). */
export type FinalStatus =
  | 'Delivered'
  | 'Failed'
  | 'Rejected'
  | 'Aborted'
  | 'Expired'
  | 'Unknown'
  | 'Deleted'
  | 'Cancelled';

export type ReportStatus = FinalStatus | 'Queued' | 'Dispatched';

export interface Outcome {
  status: FinalStatus;
  /** 0 = no error, 1-399 SMPP status-report errors, 400-418 Sinch REST codes (A.7). */
  code: number;
}

export interface TestNumberBehaviour {
  description: string;
  /** Answer the send request with this HTTP error instead of 201. */
  sendError?: {
    status: 429 | 500 | 503;
    /** Fail only this many sends of the number (per sandbox), then accept. Unset: always. */
    times?: number;
  };
  /** The final delivery report. */
  outcome: Outcome;
  /** Report `Dispatched` (401) before the final status. False for messages stopped before the SMSC. */
  dispatched: boolean;
  /** Multiplies both callback delays. */
  delayFactor: number;
  /**
   * How reports reach the callback URL:
   * `normal`; `none` (no delivery report ever); `duplicate-final` (the final report is sent twice);
   * `final-first` (the final report is sent before `Dispatched`).
   */
  reports: 'normal' | 'none' | 'duplicate-final' | 'final-first';
}

export const DELIVERED: Outcome = { status: 'Delivered', code: 0 };

/** Any number not in the table. */
export const DEFAULT_BEHAVIOUR: TestNumberBehaviour = {
  description: 'Dispatched (401), then Delivered (0)',
  outcome: DELIVERED,
  dispatched: true,
  delayFactor: 1,
  reports: 'normal',
};

function behaviour(description: string, overrides: Partial<TestNumberBehaviour>): TestNumberBehaviour {
  return { ...DEFAULT_BEHAVIOUR, description, ...overrides };
}

export const TEST_NUMBERS: Readonly<Record<string, TestNumberBehaviour>> = {
  '0001': behaviour('Delivered, with both delays multiplied by 10', { delayFactor: 10 }),
  // SMPP 150 "HLR: Unknown subscriber", a permanent error: the network says the number does not exist.
  '0002': behaviour('Dispatched, then Failed 150 (HLR unknown subscriber, permanent)', {
    outcome: { status: 'Failed', code: 150 },
  }),
  // SMPP 61 "Screening: destination blocked", permanent: the SMSC refuses the destination.
  '0003': behaviour('Dispatched, then Rejected 61 (screening: destination blocked)', {
    outcome: { status: 'Rejected', code: 61 },
  }),
  '0004': behaviour('Aborted 402 (Message unroutable), never dispatched', {
    outcome: { status: 'Aborted', code: 402 },
    dispatched: false,
  }),
  // SMPP 201 "MSC: absent subscriber, IMSI detached", temporary: the SMSC retried until validity ran out.
  '0005': behaviour('Dispatched, then Expired 201 (absent subscriber, IMSI detached)', {
    outcome: { status: 'Expired', code: 201 },
  }),
  '0006': behaviour('Dispatched, then Unknown 0 (no interpretable DLR)', {
    outcome: { status: 'Unknown', code: 0 },
  }),
  '0007': behaviour('Accepted, but no delivery report is ever sent', { reports: 'none' }),
  '0008': behaviour('The send answers 429 too_many_requests (every time)', { sendError: { status: 429 } }),
  '0009': behaviour('The send answers 500 internal_error (every time)', { sendError: { status: 500 } }),
  '0010': behaviour('The first send answers 503 service_unavailable, later sends are accepted and delivered', {
    sendError: { status: 503, times: 1 },
  }),
  // SMPP 111 "SMSC: local cancel": the closest SMSC cause for a message removed at the SMSC.
  '0011': behaviour('Dispatched, then Deleted 111 (SMSC local cancel)', {
    outcome: { status: 'Deleted', code: 111 },
  }),
  '0012': behaviour('Aborted 412 (Unprovisioned region), never dispatched', {
    outcome: { status: 'Aborted', code: 412 },
    dispatched: false,
  }),
  '0013': behaviour('Dispatched, then Delivered twice (duplicate final report)', { reports: 'duplicate-final' }),
  '0014': behaviour('Delivered is sent first, Dispatched after it (out of order)', { reports: 'final-first' }),
};

/** Digits of an MSISDN, without "+" or formatting. */
export function msisdnDigits(recipient: string): string {
  return recipient.replace(/\D/g, '');
}

export function behaviourFor(recipient: string): TestNumberBehaviour {
  return TEST_NUMBERS[msisdnDigits(recipient).slice(-4)] ?? DEFAULT_BEHAVIOUR;
}
