// One batch of an import, applied in one transaction with its errors and the checkpoint: after
// a crash either the whole batch and the checkpoint past it are there, or neither.
import { mergeAttributes } from '../core/attributes.js';
import { newId } from '../core/ids.js';
import * as customerStore from '../store/customers.js';
import { inTransaction, type DB } from '../store/db.js';
import * as importStore from '../store/imports.js';
import type { NewImportError } from '../store/imports.js';
import type { CustomersTable } from '../store/schema.js';
import type { ImportRow } from './rows.js';

export interface Batch {
  rows: ImportRow[];
  errors: NewImportError[];
  /** The checkpoint past the batch. */
  end: number;
  line: number;
}

export async function applyBatch(db: DB, job: { id: string; project_id: string }, batch: Batch): Promise<{ created: number; updated: number }> {
  return inTransaction(db, async (trx) => {
    const now = Date.now();
    const ids = [...new Set(batch.rows.map((r) => r.customer_id))];
    const known = new Map<string, { row: CustomersTable; attributes: Record<string, unknown>; isNew: boolean; dirty: boolean }>();
    for (const c of await customerStore.findMany(trx, job.project_id, ids)) {
      known.set(c.customer_id, { row: c, attributes: JSON.parse(c.attributes) as Record<string, unknown>, isNew: false, dirty: false });
    }
    let created = 0;
    let updated = 0;
    for (const r of batch.rows) {
      let entry = known.get(r.customer_id);
      if (entry) {
        updated++;
        entry.dirty = true;
      } else {
        created++;
        const row: CustomersTable = { id: newId('cus'), project_id: job.project_id, customer_id: r.customer_id, phone: null, country: null, attributes: '{}', origin: 'api', created_at: now, updated_at: now };
        entry = { row, attributes: {}, isNew: true, dirty: true };
        known.set(r.customer_id, entry);
      }
      entry.attributes = mergeAttributes(entry.attributes, r.attributes);
      if (r.phone !== undefined) {
        entry.row.phone = r.phone?.e164 ?? null;
        entry.row.country = r.phone?.country ?? null;
      }
    }
    for (const e of known.values()) {
      if (!e.dirty) continue;
      const row = { ...e.row, attributes: JSON.stringify(e.attributes), updated_at: now };
      if (e.isNew) await customerStore.insert(trx, row);
      else await customerStore.replaceContact(trx, row);
    }
    await importStore.insertErrors(trx, batch.errors);
    await importStore.checkpoint(trx, job.id, { bytes_processed: batch.end, line: batch.line, created, updated, failed: batch.errors.length, now });
    return { created, updated };
  });
}
