// Consent per customer and channel (`consents`), and its audit trail (`consent_log`).
import type { Channel } from '../core/status.js';
import type { DB } from './db.js';
import { prepared } from './prepared.js';
import type { Selectable } from 'kysely';
import type { ConsentLogTable, ConsentsTable } from './schema.js';

const stateStatement = prepared<Pick<ConsentsTable, 'customer_ref' | 'channel'>, { opted_out: number }>((db, p) =>
  db.selectFrom('consents').select('opted_out').where('customer_ref', '=', p.customer_ref).where('channel', '=', p.channel),
);

/** Whether the customer opted out of the channel: true, false, or undefined when never asked. */
export async function find(db: DB, customerRef: string, channel: Channel): Promise<boolean | undefined> {
  const row = await stateStatement.first(db, { customer_ref: customerRef, channel });
  return row === undefined ? undefined : row.opted_out === 1;
}

export async function set(db: DB, c: { projectId: string; customerRef: string; channel: Channel; optedOut: boolean; now: number }): Promise<void> {
  const value = c.optedOut ? 1 : 0;
  await db
    .insertInto('consents')
    .values({ project_id: c.projectId, customer_ref: c.customerRef, channel: c.channel, opted_out: value, updated_at: c.now })
    .onConflict((oc) => oc.columns(['customer_ref', 'channel']).doUpdateSet({ opted_out: value, updated_at: c.now }))
    .execute();
}

export async function appendLog(db: DB, entry: Omit<Selectable<ConsentLogTable>, 'id'>): Promise<void> {
  await db.insertInto('consent_log').values(entry).execute();
}

/** Of these customers, the ones opted out of the channel. */
export async function optedOutAmong(db: DB, customerRefs: readonly string[], channel: Channel): Promise<Set<string>> {
  if (customerRefs.length === 0) return new Set();
  const rows = await db
    .selectFrom('consents')
    .select('customer_ref')
    .where('customer_ref', 'in', customerRefs)
    .where('channel', '=', channel)
    .where('opted_out', '=', 1)
    .execute();
  return new Set(rows.map((r) => r.customer_ref));
}

export function listForCustomer(db: DB, customerRef: string): Promise<ConsentsTable[]> {
  return db.selectFrom('consents').selectAll().where('customer_ref', '=', customerRef).execute();
}

/** The customer's consent trail, oldest first. */
export async function logOf(db: DB, customerRef: string): Promise<Selectable<ConsentLogTable>[]> {
  const rows = await db.selectFrom('consent_log').selectAll().where('customer_ref', '=', customerRef).orderBy('id').execute();
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

/** Erases the customer's consent state and its trail. */
export async function removeForCustomer(db: DB, customerRef: string): Promise<void> {
  await db.deleteFrom('consents').where('customer_ref', '=', customerRef).execute();
  await db.deleteFrom('consent_log').where('customer_ref', '=', customerRef).execute();
}
