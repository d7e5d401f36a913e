// Sandbox test numbers. CM documents none, so the simulator defines its own, keyed on the last
// four digits of the recipient number (README.md has the same table for humans). Everything
// about a number's behaviour lives in this one table; the server only reads it.

/** A status report's status (docs/providers/cm.md D.6: numbered by a third-party integration, not by CM). */
export type ReportCode = 0 | 1 | 2 | 3;

export const REPORT = { accepted: 0, rejected: 1, delivered: 2, failed: 3 } as const;

export interface Outcome {
  code: ReportCode;
  /** The operator's error code and text that go with a problem report. */
  errorCode?: string;
  errorDescription?: string;
}

export type SendError = 'rate_limited' | 'internal' | 'unknown' | 'unavailable_no_body' | 'balance';

export interface TestNumberBehaviour {
  description: string;
  /** Answer the whole request with this error instead of accepting it. */
  sendError?: { kind: SendError; /** Only this many sends of the number (per sandbox), then accept. Unset: always. */ times?: number };
  /** Refuse this message in the answer (request errorCode 201 NotAllSent) with this message code. */
  refuse?: { code: number; details: string };
  /** The final status report. */
  outcome: Outcome;
  /** Report Accepted (0) before the final status. */
  accepted: boolean;
  /** Multiplies both report delays. */
  delayFactor: number;
  /** `normal`; `none` (no status report ever); `duplicate-final`; `final-first` (the final report before Accepted). */
  reports: 'normal' | 'none' | 'duplicate-final' | 'final-first';
}

export const DEFAULT_BEHAVIOUR: TestNumberBehaviour = {
  description: 'Accepted (0), then Delivered (2)',
  outcome: { code: REPORT.delivered },
  accepted: true,
  delayFactor: 1,
  reports: 'normal',
};

function behaviour(description: string, overrides: Partial<TestNumberBehaviour>): TestNumberBehaviour {
  return { ...DEFAULT_BEHAVIOUR, description, ...overrides };
}

export const TEST_NUMBERS: Readonly<Record<string, TestNumberBehaviour>> = {
  '0001': behaviour('Delivered, with both report delays multiplied by 10', { delayFactor: 10 }),
  '0002': behaviour('Accepted, then Failed (3), operator error 5 "Unknown subscriber"', {
    outcome: { code: REPORT.failed, errorCode: '5', errorDescription: 'Unknown subscriber' },
  }),
  '0003': behaviour('Rejected (1) by the operator, error 11 "Rejected by operator", never Accepted', {
    outcome: { code: REPORT.rejected, errorCode: '11', errorDescription: 'Rejected by operator' },
    accepted: false,
  }),
  '0004': behaviour('Refused in the answer: 201 NotAllSent with message code 402 BlackListed', {
    refuse: { code: 402, details: 'The recipient is blacklisted' },
  }),
  '0005': behaviour('Refused in the answer: 201 NotAllSent with message code 401 SpamFiltered', {
    refuse: { code: 401, details: 'The message was filtered as spam' },
  }),
  '0007': behaviour('Accepted, but no status report is ever sent', { reports: 'none' }),
  '0008': behaviour('The request answers 429 (every time)', { sendError: { kind: 'rate_limited' } }),
  '0009': behaviour('The request answers 500 with errorCode 500 InternalServerError (every time)', { sendError: { kind: 'internal' } }),
  '0010': behaviour('The first request answers 503 without a body, later ones are accepted and delivered', {
    sendError: { kind: 'unavailable_no_body', times: 1 },
  }),
  '0011': behaviour('The request answers errorCode 999 Unknown (every time)', { sendError: { kind: 'unknown' } }),
  '0012': behaviour('The request answers errorCode 102 BalanceInsufficient (an account problem)', { sendError: { kind: 'balance' } }),
  '0013': behaviour('Accepted, then Delivered twice (duplicate final report)', { reports: 'duplicate-final' }),
  '0014': behaviour('Delivered is reported first, Accepted after it (out of order)', { reports: 'final-first' }),
};

/** Digits of a number, without "00", "+" or formatting. */
export function numberDigits(number: string): string {
  return number.replace(/\D/g, '').replace(/^00/, '');
}

export function behaviourFor(number: string): TestNumberBehaviour {
  return TEST_NUMBERS[numberDigits(number).slice(-4)] ?? DEFAULT_BEHAVIOUR;
}
