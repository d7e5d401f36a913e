// Consent per customer and channel, with an audit trail of every change and its source.
import type { Channel } from '../core/status.js';
import type { DB } from '../store/db.js';
import { prepared } from '../store/prepared.js';
import type { ConsentsTable } from '../store/schema.js';

type Executor = Pick<DB, 'selectFrom' | 'insertInto' | 'updateTable'>;

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
export async function setConsent(db: Executor, c: ConsentChange, now = Date.now()): Promise<boolean> {
  const channel = consentChannel(c.channel);
  const current = await db
    .selectFrom('consents')
    .select('opted_out')
    .where('customer_ref', '=', c.customerRef)
    .where('channel', '=', channel)
    .executeTakeFirst();
  const value = c.optedOut ? 1 : 0;
  // The trail keeps every request, even one that changes nothing: it is evidence of what the customer asked.
  await db
    .insertInto('consent_log')
    .values({ project_id: c.projectId, customer_ref: c.customerRef, channel, action: c.optedOut ? 'opt_out' : 'opt_in', source: c.source, detail: c.detail, created_at: now })
    .execute();
  if (c.optedOut) {
    await db
      .updateTable('messages')
      .set({ dispatch_state: 'cancelled', last_error: JSON.stringify({ reason: 'opted_out' }), updated_at: now })
      .where('customer_ref', '=', c.customerRef)
      .where('channel', 'in', channelsOfConsent(channel))
      .where('dispatch_state', '=', 'queued')
      .where('auto_reply', '=', 0)
      .execute();
  }
  if (current?.opted_out === value) return false;
  if (current) {
    await db.updateTable('consents').set({ opted_out: value, updated_at: now }).where('customer_ref', '=', c.customerRef).where('channel', '=', channel).execute();
  } else {
    await db.insertInto('consents').values({ project_id: c.projectId, customer_ref: c.customerRef, channel, opted_out: value, updated_at: now }).execute();
  }
  return true;
}

/** Of these customers, the ones opted out of the channel. */
export async function optedOutAmong(db: Executor, customerRefs: string[], channel: Channel): Promise<Set<string>> {
  if (customerRefs.length === 0) return new Set();
  const rows = await db
    .selectFrom('consents')
    .select('customer_ref')
    .where('customer_ref', 'in', customerRefs)
    .where('channel', '=', consentChannel(channel))
    .where('opted_out', '=', 1)
    .execute();
  return new Set(rows.map((r) => r.customer_ref));
}

const consentRow = prepared<Pick<ConsentsTable, 'customer_ref' | 'channel'>, { opted_out: number }>((db, p) =>
  db.selectFrom('consents').select('opted_out').where('customer_ref', '=', p.customer_ref).where('channel', '=', p.channel),
);

export async function isOptedOut(db: DB, customerRef: string, channel: Channel): Promise<boolean> {
  const row = await consentRow.first(db, { customer_ref: customerRef, channel: consentChannel(channel) });
  return row?.opted_out === 1;
}

export async function consentOf(db: DB, customerRef: string) {
  const [state, log] = await Promise.all([
    db.selectFrom('consents').selectAll().where('customer_ref', '=', customerRef).execute(),
    db.selectFrom('consent_log').selectAll().where('customer_ref', '=', customerRef).orderBy('id').execute(),
  ]);
  return {
    channels: Object.fromEntries(state.map((s) => [s.channel, { opted_out: s.opted_out === 1, updated_at: new Date(s.updated_at).toISOString() }])),
    history: log.map((l) => ({ channel: l.channel, action: l.action, source: l.source, detail: l.detail, at: new Date(l.created_at).toISOString() })),
  };
}
