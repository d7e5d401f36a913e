// A batch's parsed rows packed for the hub's main thread, in the parse thread: one entry per
// customer (the batch's later rows for a customer_id merged into its first, as applying them in
// turn would), a fresh id for each in case it is new, its attributes already serialised, all in
// flat arrays (store/new-contacts.ts). The main thread then only runs the SQL.
import { combinePatches, mergeAttributes, type AttributePatch } from '../core/attributes.js';
import { newId } from '../core/ids.js';
import { CONTACT, NEW_CONTACT_WIDTH } from '../store/new-contacts.js';
import type { ImportRow } from './rows.js';

export interface PackedCustomers {
  /** NEW_CONTACT_WIDTH values per customer: the row it gets if it is new. */
  contacts: (string | null)[];
  /** Per customer, 1 when its rows set (or clear) the phone; 0 when a present customer's phone stays. */
  phoneGiven: Uint8Array;
  /** Per customer, the JSON of its attribute patch when that removes keys; null when the patch is the new row's attributes. */
  patches: (string | null)[];
  /** Per customer, how many of the batch's rows are its: the first creates it if it is new, the others update. */
  rows: Uint32Array;
}

export function packRows(rows: readonly ImportRow[]): PackedCustomers {
  const index = new Map<string, number>();
  const patches: AttributePatch[] = [];
  const phones: ImportRow['phone'][] = [];
  const counts: number[] = [];
  for (const r of rows) {
    const i = index.get(r.customer_id);
    if (i === undefined) {
      index.set(r.customer_id, counts.length);
      patches.push(r.attributes);
      phones.push(r.phone);
      counts.push(1);
    } else {
      patches[i] = combinePatches(patches[i]!, r.attributes);
      if (r.phone !== undefined) phones[i] = r.phone;
      counts[i]!++;
    }
  }
  const n = counts.length;
  const packed: PackedCustomers = { contacts: new Array<string | null>(n * NEW_CONTACT_WIDTH), phoneGiven: new Uint8Array(n), patches: new Array<string | null>(n), rows: Uint32Array.from(counts) };
  let i = 0;
  for (const customerId of index.keys()) {
    const at = i * NEW_CONTACT_WIDTH;
    const phone = phones[i];
    const patch = patches[i]!;
    const removes = Object.values(patch).includes(null);
    // Merged into nothing, the patch loses its nulls (and a "__proto__" key, which assignment
    // takes as the prototype): what a new customer gets, as mergeAttributes gives it.
    const merged = removes || Object.hasOwn(patch, '__proto__') ? mergeAttributes({}, patch) : patch;
    packed.contacts[at + CONTACT.id] = newId('cus');
    packed.contacts[at + CONTACT.customer_id] = customerId;
    packed.contacts[at + CONTACT.phone] = phone?.e164 ?? null;
    packed.contacts[at + CONTACT.country] = phone?.country ?? null;
    packed.contacts[at + CONTACT.attributes] = JSON.stringify(merged);
    packed.phoneGiven[i] = phone === undefined ? 0 : 1;
    packed.patches[i] = removes ? JSON.stringify(patch) : null;
    i++;
  }
  return packed;
}
