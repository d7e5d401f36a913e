// One batch of an import, applied in one transaction with its errors and the checkpoint: after
// a crash either the whole batch and the checkpoint past it are there, or neither. The batch
// comes packed (pack.ts): new customers are inserted as they are, and only customers the
// project already has are read, merged and updated here.
import { mergeAttributes } from '../core/attributes.js';
import * as customerStore from '../store/customers.js';
import { inTransaction, type DB } from '../store/db.js';
import * as importStore from '../store/imports.js';
import type { NewImportError } from '../store/imports.js';
import { CONTACT, NEW_CONTACT_WIDTH } from '../store/new-contacts.js';
import type { CustomersTable } from '../store/schema.js';
import type { PackedCustomers } from './pack.js';

export interface Batch {
  customers: PackedCustomers;
  errors: NewImportError[];
  /** The checkpoint past the batch. */
  end: number;
  line: number;
}

export async function applyBatch(db: DB, job: { id: string; project_id: string }, batch: Batch): Promise<{ created: number; updated: number }> {
  return inTransaction(db, async (trx) => {
    const now = Date.now();
    const c = batch.customers;
    const present = await customerStore.insertUnlessPresent(trx, job.project_id, now, c.contacts);
    if (present.length > 0) await updatePresent(trx, c, present, now);
    let rows = 0;
    for (const n of c.rows) rows += n;
    // A new customer's first row created it; every other row updated a customer.
    const created = c.rows.length - present.length;
    const updated = rows - created;
    await importStore.insertErrors(trx, batch.errors);
    await importStore.checkpoint(trx, job.id, { bytes_processed: batch.end, line: batch.line, created, updated, failed: batch.errors.length, now });
    return { created, updated };
  });
}

/** Customers the project had: attributes merged into theirs, the phone replaced if the rows gave one. */
async function updatePresent(trx: DB, c: PackedCustomers, present: readonly CustomersTable[], now: number): Promise<void> {
  const index = new Map<string, number>();
  for (let i = 0; i < c.rows.length; i++) index.set(c.contacts[i * NEW_CONTACT_WIDTH + CONTACT.customer_id]!, i);
  for (const row of present) {
    const i = index.get(row.customer_id)!;
    const at = i * NEW_CONTACT_WIDTH;
    const patch = JSON.parse(c.patches[i] ?? c.contacts[at + CONTACT.attributes]!) as Record<string, unknown>;
    const attributes = JSON.stringify(mergeAttributes(JSON.parse(row.attributes) as Record<string, unknown>, patch));
    const given = c.phoneGiven[i] === 1;
    await customerStore.replaceContact(trx, {
      id: row.id,
      phone: given ? (c.contacts[at + CONTACT.phone] ?? null) : row.phone,
      country: given ? (c.contacts[at + CONTACT.country] ?? null) : row.country,
      attributes,
      updated_at: now,
    });
  }
}
