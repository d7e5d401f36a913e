// A batch's rows packed for the hub's main thread, in the parse thread, as they are parsed: one
// entry per customer (the batch's later rows for a customer_id merged into its first, as
// applying them in turn would), a fresh id for each in case it is new, its attributes already
// serialised, all in flat arrays (store/new-contacts.ts). The main thread then only runs the
// SQL, and a batch waiting to be sent holds a few strings per row rather than objects.
import { combinePatches, mergeAttributes, type AttributePatch } from '../core/attributes.js';
import { newId } from '../core/ids.js';
import { CONTACT, NEW_CONTACT_WIDTH } from '../store/new-contacts.js';
import type { ImportRow } from './rows.js';

export interface PackedCustomers {
  /** NEW_CONTACT_WIDTH values per customer: the row it gets if it is new. */
  contacts: (string | null)[];
  /** Per customer, 1 when its rows set (or clear) the phone; 0 when a present customer's phone stays. */
  phoneGiven: Uint8Array;
  /** Per customer, the JSON of its attribute patch when that is not the new row's attributes (it removes keys); else null. */
  patches: (string | null)[];
  /** Per customer, how many of the batch's rows are its: the first creates it if it is new, the others update. */
  rows: Uint32Array;
}

export class Packer {
  #index = new Map<string, number>();
  #contacts: (string | null)[] = [];
  #phoneGiven: number[] = [];
  #patches: (string | null)[] = [];
  #rows: number[] = [];

  add(r: ImportRow): void {
    const i = this.#index.get(r.customer_id);
    if (i === undefined) {
      const at = this.#contacts.length;
      this.#index.set(r.customer_id, this.#rows.length);
      this.#contacts.push(newId('cus'), r.customer_id, null, null, null);
      this.#phoneGiven.push(0);
      this.#patches.push(null);
      this.#rows.push(1);
      this.#setPatch(this.#rows.length - 1, r.attributes);
      if (r.phone !== undefined) this.#setPhone(at, this.#rows.length - 1, r.phone);
      return;
    }
    // Rare: the customer's earlier row in this batch is read back and merged with this one.
    const at = i * NEW_CONTACT_WIDTH;
    const earlier = JSON.parse(this.#patches[i] ?? this.#contacts[at + CONTACT.attributes]!) as AttributePatch;
    this.#setPatch(i, combinePatches(earlier, r.attributes));
    if (r.phone !== undefined) this.#setPhone(at, i, r.phone);
    this.#rows[i]!++;
  }

  get size(): number {
    return this.#rows.length;
  }

  /** The customers added since the last take. */
  take(): PackedCustomers {
    const packed: PackedCustomers = { contacts: this.#contacts, phoneGiven: Uint8Array.from(this.#phoneGiven), patches: this.#patches, rows: Uint32Array.from(this.#rows) };
    this.#index = new Map();
    this.#contacts = [];
    this.#phoneGiven = [];
    this.#patches = [];
    this.#rows = [];
    return packed;
  }

  #setPatch(i: number, patch: AttributePatch): void {
    // Merged into nothing, the patch loses its nulls (and a "__proto__" key, which assignment
    // takes as the prototype): what a new customer gets, as mergeAttributes gives it.
    const merged = Object.values(patch).includes(null) || Object.hasOwn(patch, '__proto__') ? mergeAttributes({}, patch) : patch;
    this.#contacts[i * NEW_CONTACT_WIDTH + CONTACT.attributes] = JSON.stringify(merged);
    this.#patches[i] = merged === patch ? null : JSON.stringify(patch);
  }

  #setPhone(at: number, i: number, phone: NonNullable<ImportRow['phone']> | null): void {
    this.#contacts[at + CONTACT.phone] = phone?.e164 ?? null;
    this.#contacts[at + CONTACT.country] = phone?.country ?? null;
    this.#phoneGiven[i] = 1;
  }
}

/** The rows packed at once (tests, and callers that hold the rows anyway). */
export function packRows(rows: readonly ImportRow[]): PackedCustomers {
  const packer = new Packer();
  for (const r of rows) packer.add(r);
  return packer.take();
}
