// Messages teams sent straight through Sinch, known only from their delivery receipts: the
// furthest status each (batch, recipient) reached.
import type { DeliveryStatus } from '../core/status.js';
import type { DB } from './db.js';
import type { DirectDeliveriesTable } from './schema.js';

export interface DirectDeliveryKey {
  project_id: string;
  batch_id: string;
  recipient: string;
}

export async function findStatus(db: DB, key: DirectDeliveryKey): Promise<DeliveryStatus | undefined> {
  const row = await db
    .selectFrom('direct_deliveries')
    .select('status')
    .where('project_id', '=', key.project_id)
    .where('batch_id', '=', key.batch_id)
    .where('recipient', '=', key.recipient)
    .executeTakeFirst();
  return row?.status;
}

export async function upsert(db: DB, row: DirectDeliveriesTable): Promise<void> {
  await db
    .insertInto('direct_deliveries')
    .values(row)
    .onConflict((oc) => oc.columns(['project_id', 'batch_id', 'recipient']).doUpdateSet({ status: row.status, updated_at: row.updated_at }))
    .execute();
}

export async function count(db: DB, projectId: string): Promise<number> {
  const r = await db.selectFrom('direct_deliveries').select((eb) => eb.fn.countAll<number>().as('n')).where('project_id', '=', projectId).executeTakeFirst();
  return Number(r?.n ?? 0);
}

/** Erases what direct-send receipts recorded of the customer (their number is the key). */
export async function removeForCustomer(db: DB, customerRef: string): Promise<void> {
  await db.deleteFrom('direct_deliveries').where('customer_ref', '=', customerRef).execute();
}
