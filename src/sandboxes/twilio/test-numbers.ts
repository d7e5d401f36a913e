// Sandbox test numbers. Everything about a recipient's or sender's behaviour lives in these
// tables; the server only reads them. README.md mirrors them for humans.
//
// Two kinds:
// 1. Twilio's own "magic numbers" for test credentials, matched exactly. Their codes are from
//    Twilio's test-credentials page (a copy at twilio-iam-remake.readme.io/reference/test-inputs-for-sms;
//    the codes themselves are in docs/providers/twilio.md C.8, except 21212).
// 2. The sandbox's own outcomes, keyed on the last four digits of `To` (Twilio has no numbers
//    for delivery outcomes: test credentials never send status callbacks). The suffixes spell
//    the code where there is one (…3003 → 30003) and avoid 0001–0009, so they never look like
//    the magic numbers.

/** Statuses a status callback can end on (C.2 `message_enum_status`). */
export type FinalStatus = 'delivered' | 'undelivered' | 'failed';

export interface SendError {
  /** HTTP status of the answer. */
  status: 400 | 429 | 500;
  /** Twilio error code in the body. */
  code: number;
  /** Fail only this many sends to the number (per sandbox), then accept. Unset: always. */
  times?: number;
}

export interface TestNumberBehaviour {
  description: string;
  /** Answer the Create Message request with this error instead of 201. */
  sendError?: SendError;
  /** Where the message ends; `errorCode` goes into `ErrorCode` and the resource's `error_code`. */
  outcome: { status: FinalStatus; errorCode?: number };
  /** After `delivered`, a `read` callback too. */
  read: boolean;
  /** Multiplies both callback delays. */
  delayFactor: number;
  /**
   * How callbacks reach StatusCallback: `normal` (`sent`, then the final status; `failed` has no
   * `sent`); `no-final` (`sent` only); `duplicate-final` (the final status twice);
   * `final-first` (the final status before `sent`).
   */
  callbacks: 'normal' | 'no-final' | 'duplicate-final' | 'final-first';
}

export const DEFAULT_BEHAVIOUR: TestNumberBehaviour = {
  description: '`sent`, then `delivered`',
  outcome: { status: 'delivered' },
  read: false,
  delayFactor: 1,
  callbacks: 'normal',
};

function behaviour(description: string, overrides: Partial<TestNumberBehaviour>): TestNumberBehaviour {
  return { ...DEFAULT_BEHAVIOUR, description, ...overrides };
}

/** Magic `To` numbers of Twilio's test credentials: the send answers 400 with this code. */
export const MAGIC_TO_NUMBERS: Readonly<Record<string, { code: number; description: string }>> = {
  '+15005550001': { code: 21211, description: 'This phone number is invalid' },
  '+15005550002': { code: 21612, description: 'Twilio cannot route to this number' },
  '+15005550003': { code: 21408, description: "Your account doesn't have the international permissions necessary to SMS this number" },
  '+15005550004': { code: 21610, description: 'This number is blocked for your account (replied STOP)' },
  '+15005550009': { code: 21614, description: 'This number is incapable of receiving SMS messages' },
};

/** Magic `From` numbers of Twilio's test credentials. Any other sender is accepted here. */
export const MAGIC_FROM_NUMBERS: Readonly<Record<string, { code: number; description: string }>> = {
  '+15005550001': { code: 21212, description: 'This phone number is invalid' },
  '+15005550007': { code: 21606, description: 'This phone number is not owned by your account or is not SMS-capable' },
  '+15005550008': { code: 21611, description: 'This number has an SMS message queue that is full' },
};

/** The sender the sandbox assigns to Messaging Service sends (Twilio's magic valid `From`). */
export const MESSAGING_SERVICE_SENDER = '+15005550006';

export const TEST_NUMBERS: Readonly<Record<string, TestNumberBehaviour>> = {
  '0010': behaviour('`sent`, then `delivered`, both delays ×10 (slow)', { delayFactor: 10 }),
  '0020': behaviour('`sent`, then nothing: no final callback ever', { callbacks: 'no-final' }),
  '0030': behaviour('`sent`, `delivered`, then `read`', { read: true }),
  '0040': behaviour('`sent`, then `delivered` twice (duplicate callback)', { callbacks: 'duplicate-final' }),
  '0050': behaviour('`delivered` first, `sent` after it (out of order)', { callbacks: 'final-first' }),
  '3001': behaviour('`failed` 30001 Queue overflow (never sent)', { outcome: { status: 'failed', errorCode: 30001 } }),
  '3003': behaviour('`sent`, then `undelivered` 30003 Unreachable destination handset', {
    outcome: { status: 'undelivered', errorCode: 30003 },
  }),
  '3005': behaviour('`sent`, then `undelivered` 30005 Unknown destination handset', {
    outcome: { status: 'undelivered', errorCode: 30005 },
  }),
  '3006': behaviour('`sent`, then `undelivered` 30006 Landline or unreachable carrier', {
    outcome: { status: 'undelivered', errorCode: 30006 },
  }),
  '3007': behaviour('`failed` 30007 Message filtered (never sent)', { outcome: { status: 'failed', errorCode: 30007 } }),
  '0429': behaviour('The first send answers 429 (20429 Too Many Requests), later sends are accepted and delivered', {
    sendError: { status: 429, code: 20429, times: 1 },
  }),
  '0500': behaviour('The first send answers 500 (20500 Internal Server Error), later sends are accepted and delivered', {
    sendError: { status: 500, code: 20500, times: 1 },
  }),
  '1610': behaviour('Every send answers 400 21610 (the recipient replied STOP)', { sendError: { status: 400, code: 21610 } }),
};

export function behaviourFor(to: string): TestNumberBehaviour {
  return TEST_NUMBERS[to.replace(/\D/g, '').slice(-4)] ?? DEFAULT_BEHAVIOUR;
}
