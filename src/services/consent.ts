// Consent per customer and channel, with an audit trail of every change and its source.
import type { Channel } from '../core/status.js';
import * as consentStore from '../store/consents.js';
import type { DB } from '../store/db.js';
import * as messageStore from '../store/messages.js';
import type { ConsentsTable } from '../store/schema.js';

export type ConsentSource = 'keyword' | 'api' | 'provider_error' | 'provider_notification';

/** SMS and MMS go to the same number and share one consent. */
export function consentChannel(channel: Channel): Channel {
  return channel === 'mms' ? 'sms' : channel;
}

export interface ConsentChange {
  projectId: string;
  customerRef: string;
  channel: Channel;
  optedOut: boolean;
  source: ConsentSource;
  detail: string | null;
}

/** The message channels one consent covers. */
export function channelsOfConsent(channel: Channel): Channel[] {
  return consentChannel(channel) === 'sms' ? ['sms', 'mms'] : [channel];
}

/**
 * Records an opt-out or opt-in. An opt-out also cancels what is still queued for the customer on
 * that channel (auto-replies excepted: the opt-out confirmation must go out). Returns whether it
 * changed the customer's consent. The caller tells the dispatcher after commit, so that messages
 * it has already claimed are dropped too.
 */
export async function setConsent(db: DB, c: ConsentChange, now = Date.now()): Promise<boolean> {
  const channel = consentChannel(c.channel);
  const current = await consentStore.find(db, c.customerRef, channel);
  // The trail keeps every request, even one that changes nothing: it is evidence of what the customer asked.
  await consentStore.appendLog(db, { project_id: c.projectId, customer_ref: c.customerRef, channel, action: c.optedOut ? 'opt_out' : 'opt_in', source: c.source, detail: c.detail, created_at: now });
  if (c.optedOut) await messageStore.cancelQueuedForCustomer(db, c.customerRef, channelsOfConsent(channel), now);
  if (current === c.optedOut) return false;
  await consentStore.set(db, { projectId: c.projectId, customerRef: c.customerRef, channel, optedOut: c.optedOut, now });
  return true;
}

/** Of these customers, the ones opted out of the channel. */
export function optedOutAmong(db: DB, customerRefs: string[], channel: Channel): Promise<Set<string>> {
  return consentStore.optedOutAmong(db, customerRefs, consentChannel(channel));
}

export async function isOptedOut(db: DB, customerRef: string, channel: Channel): Promise<boolean> {
  return (await consentStore.find(db, customerRef, consentChannel(channel))) === true;
}

export type ConsentLogEntry = Awaited<ReturnType<typeof consentStore.logOf>>[number];

/** A customer's consent: its state per channel (channels never asked about have none), and the trail, oldest first. */
export interface CustomerConsent {
  channels: ConsentsTable[];
  history: ConsentLogEntry[];
}

export async function consentOf(db: DB, customerRef: string): Promise<CustomerConsent> {
  const [channels, history] = await Promise.all([consentStore.listForCustomer(db, customerRef), consentStore.logOf(db, customerRef)]);
  return { channels, history };
}
