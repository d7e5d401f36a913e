// Sandbox test numbers. Sinch documents none, so the sandbox defines its own, keyed on the last
// four digits of the recipient's channel identity (README.md has the same table for humans).
// Everything about a number's behaviour lives in this one table; the server only reads it.

/** Delivery statuses a MESSAGE_DELIVERY callback carries (B.5). */
export type ReportStatus = 'QUEUED_ON_CHANNEL' | 'DELIVERED' | 'READ' | 'FAILED' | 'SWITCHING_CHANNEL';

/** How the message ends. */
export type Outcome =
  /** QUEUED_ON_CHANNEL → DELIVERED → READ (READ only on channels with read receipts). */
  | { kind: 'read' }
  /** QUEUED_ON_CHANNEL → DELIVERED, never read. */
  | { kind: 'delivered' }
  /** FAILED with `reason`; `queued` says whether QUEUED_ON_CHANNEL came first (the channel took it). */
  | { kind: 'failed'; reason: string; queued: boolean }
  /** SWITCHING_CHANNEL on every channel in the priority order, then FAILED NO_CHANNELS_LEFT. */
  | { kind: 'switching'; reason: string };

export interface TestNumberBehaviour {
  description: string;
  outcome: Outcome;
  /** Answer the first `times` sends to this number (per sandbox) with this HTTP error, then accept. */
  sendError?: { status: 429 | 500; times: number };
  /** Multiplies every callback delay. */
  delayFactor: number;
  /**
   * How the reports reach the webhook: `normal`; `none` (never a callback); `duplicate` (each
   * report twice); `reversed` (the reports in reverse order, so the final one comes first).
   */
  callbacks: 'normal' | 'none' | 'duplicate' | 'reversed';
}

/** Any number not in the table. */
export const DEFAULT_BEHAVIOUR: TestNumberBehaviour = {
  description: 'QUEUED_ON_CHANNEL, DELIVERED, then READ',
  outcome: { kind: 'read' },
  delayFactor: 1,
  callbacks: 'normal',
};

function behaviour(description: string, overrides: Partial<TestNumberBehaviour>): TestNumberBehaviour {
  return { ...DEFAULT_BEHAVIOUR, description, ...overrides };
}

// The numbering follows the Sinch SMS sandbox where the meaning is alike (0001 slow, 0002 failed,
// 0003 refused, 0007 silent, 0013 duplicates, 0014 out of order).
export const TEST_NUMBERS: Readonly<Record<string, TestNumberBehaviour>> = {
  '0001': behaviour('READ, with every delay multiplied by 10', { delayFactor: 10 }),
  '0002': behaviour('QUEUED_ON_CHANNEL, then FAILED RECIPIENT_NOT_REACHABLE', {
    outcome: { kind: 'failed', reason: 'RECIPIENT_NOT_REACHABLE', queued: true },
  }),
  '0003': behaviour('FAILED DELIVERY_REJECTED_DUE_TO_POLICY (never queued on the channel)', {
    outcome: { kind: 'failed', reason: 'DELIVERY_REJECTED_DUE_TO_POLICY', queued: false },
  }),
  '0004': behaviour('FAILED OUTSIDE_ALLOWED_SENDING_WINDOW (never queued on the channel)', {
    outcome: { kind: 'failed', reason: 'OUTSIDE_ALLOWED_SENDING_WINDOW', queued: false },
  }),
  '0005': behaviour('FAILED RECIPIENT_NOT_OPTED_IN (never queued on the channel)', {
    outcome: { kind: 'failed', reason: 'RECIPIENT_NOT_OPTED_IN', queued: false },
  }),
  '0006': behaviour('QUEUED_ON_CHANNEL, then DELIVERED, never READ', { outcome: { kind: 'delivered' } }),
  '0007': behaviour('Accepted, but no callback is ever sent', { callbacks: 'none' }),
  '0008': behaviour('The first send answers 429 RESOURCE_EXHAUSTED, later sends are accepted (READ)', {
    sendError: { status: 429, times: 1 },
  }),
  '0009': behaviour('The first send answers 500 INTERNAL, later sends are accepted (READ)', {
    sendError: { status: 500, times: 1 },
  }),
  '0010': behaviour('SWITCHING_CHANNEL (RECIPIENT_NOT_REACHABLE), then FAILED NO_CHANNELS_LEFT', {
    outcome: { kind: 'switching', reason: 'RECIPIENT_NOT_REACHABLE' },
  }),
  '0013': behaviour('QUEUED_ON_CHANNEL, DELIVERED, READ, each sent twice', { callbacks: 'duplicate' }),
  '0014': behaviour('READ first, then DELIVERED, then QUEUED_ON_CHANNEL (out of order)', { callbacks: 'reversed' }),
  // Numbered clear of the SMS sandboxes' tables, so an SMS fallback to the same number is delivered.
  // A number with no account on the channel (not on WhatsApp, no RCS): what a channel fallback answers.
  '0021': behaviour('FAILED RECIPIENT_INVALID_CHANNEL_IDENTITY (not on the channel; never queued on it)', {
    outcome: { kind: 'failed', reason: 'RECIPIENT_INVALID_CHANNEL_IDENTITY', queued: false },
  }),
  '0022': behaviour('QUEUED_ON_CHANNEL, then FAILED RECIPIENT_INVALID_CHANNEL_IDENTITY, each sent twice', {
    outcome: { kind: 'failed', reason: 'RECIPIENT_INVALID_CHANNEL_IDENTITY', queued: true },
    callbacks: 'duplicate',
  }),
};

/** Descriptions the sandbox puts in `reason.description`. */
export const REASON_DESCRIPTIONS: Readonly<Record<string, string>> = {
  RECIPIENT_NOT_REACHABLE: 'The recipient could not be reached on the channel.',
  DELIVERY_REJECTED_DUE_TO_POLICY: 'The channel rejected the message due to its policy.',
  OUTSIDE_ALLOWED_SENDING_WINDOW: 'The message is outside the allowed sending window; use a template to reopen the conversation.',
  RECIPIENT_NOT_OPTED_IN: 'The recipient has not opted in to messages on this channel.',
  NO_CHANNELS_LEFT: 'There are no channels left to try.',
  RECIPIENT_INVALID_CHANNEL_IDENTITY: 'The channel identity of the recipient is not valid for the channel.',
  TEMPLATE_NOT_FOUND: 'The referenced template was not found.',
  TEMPLATE_NON_EXISTING_LANGUAGE_OR_VERSION: 'The referenced template has no such language or version.',
};

/** Digits of an identity, without "+" or formatting. */
export function identityDigits(identity: string): string {
  return identity.replace(/\D/g, '');
}

export function behaviourFor(identity: string): TestNumberBehaviour {
  return TEST_NUMBERS[identityDigits(identity).slice(-4)] ?? DEFAULT_BEHAVIOUR;
}
