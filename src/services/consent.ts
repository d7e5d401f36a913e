// Consent per customer and channel, with an audit trail of every change and its source.
import type { Channel } from '../core/status.js';
import type { DB } from '../store/db.js';

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

/** Records an opt-out or opt-in. Returns whether it changed the customer's consent. */
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
  if (current?.opted_out === value) return false;
  if (current) {
    await db.updateTable('consents').set({ opted_out: value, updated_at: now }).where('customer_ref', '=', c.customerRef).where('channel', '=', channel).execute();
  } else {
    await db.insertInto('consents').values({ project_id: c.projectId, customer_ref: c.customerRef, channel, opted_out: value, updated_at: now }).execute();
  }
  return true;
}

export async function isOptedOut(db: Executor, customerRef: string, channel: Channel): Promise<boolean> {
  const row = await db
    .selectFrom('consents')
    .select('opted_out')
    .where('customer_ref', '=', customerRef)
    .where('channel', '=', consentChannel(channel))
    .executeTakeFirst();
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
