// Customer profiles: the external customer_id, an E.164 phone and free attributes.
import { mergeAttributes } from '../core/attributes.js';
import { invalid, notFound } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { parsePhone } from '../core/phone.js';
import * as customerStore from '../store/customers.js';
import { inTransaction, type DB } from '../store/db.js';
import type { CustomerOrigin, CustomersTable } from '../store/schema.js';
import { pageOf, type ListPage } from './paging.js';

export interface CustomerInput {
  customer_id: string;
  phone?: string | null;
  attributes?: Record<string, unknown>;
}

export function parsePhoneInput(phone: string, field: string): { e164: string; country: string | null } {
  const parsed = parsePhone(phone);
  if (!parsed.ok) throw invalid('invalid_phone', `${field} is not a valid phone number: ${parsed.reason}`, field);
  return parsed;
}

export function normalizePhoneInput(phone: string, field: string): string {
  return parsePhoneInput(phone, field).e164;
}

/** The country of a number already in E.164 (null when it has none, e.g. +800). */
export function countryOf(e164: string): string | null {
  const parsed = parsePhone(e164);
  return parsed.ok ? parsed.country : null;
}

/**
 * Creates or updates by customer_id; attributes are merged (a null value removes the key).
 * Returns the row and whether it is new.
 */
export async function upsertCustomer(db: DB, projectId: string, input: CustomerInput): Promise<{ customer: CustomersTable; created: boolean }> {
  const parsed = input.phone === undefined || input.phone === null ? input.phone : parsePhoneInput(input.phone, 'phone');
  const phone = parsed === undefined || parsed === null ? parsed : parsed.e164;
  const country = parsed ? parsed.country : null;
  return inTransaction(db, async (trx) => {
    const existing = await findCustomer(trx, projectId, input.customer_id);
    const now = Date.now();
    if (existing) {
      const attributes = mergeAttributes(JSON.parse(existing.attributes) as Record<string, unknown>, input.attributes);
      const patch = { attributes: JSON.stringify(attributes), updated_at: now, ...(phone !== undefined && { phone, country }) };
      await customerStore.update(trx, existing.id, patch);
      return { customer: { ...existing, ...patch }, created: false };
    }
    const row: CustomersTable = {
      id: newId('cus'),
      project_id: projectId,
      customer_id: input.customer_id,
      phone: phone ?? null,
      country,
      attributes: JSON.stringify(mergeAttributes({}, input.attributes)),
      origin: 'api',
      created_at: now,
      updated_at: now,
    };
    await customerStore.insert(trx, row);
    return { customer: row, created: true };
  });
}

export interface CustomerPatchInput {
  /** A number sets it, null clears it, absent leaves it. */
  phone?: string | null;
  /** Merged: keys given are set, a key given as null is removed, the others kept. */
  attributes?: Record<string, unknown>;
}

/** Updates an existing customer; 404 when there is none. */
export async function patchCustomer(db: DB, projectId: string, customerId: string, input: CustomerPatchInput): Promise<CustomersTable> {
  const parsed = input.phone === undefined || input.phone === null ? input.phone : parsePhoneInput(input.phone, 'phone');
  return inTransaction(db, async (trx) => {
    const existing = await getCustomer(trx, projectId, customerId);
    const attributes = mergeAttributes(JSON.parse(existing.attributes) as Record<string, unknown>, input.attributes);
    const patch: customerStore.CustomerPatch = {
      attributes: JSON.stringify(attributes),
      updated_at: Date.now(),
      ...(parsed !== undefined && { phone: parsed?.e164 ?? null, country: parsed?.country ?? null }),
    };
    await customerStore.update(trx, existing.id, patch);
    return { ...existing, ...patch };
  });
}

export async function findCustomer(db: DB, projectId: string, customerId: string): Promise<CustomersTable | undefined> {
  return customerStore.find(db, projectId, customerId);
}

export async function getCustomer(db: DB, projectId: string, customerId: string): Promise<CustomersTable> {
  const c = await findCustomer(db, projectId, customerId);
  if (!c) throw notFound('customer', 'customer_id');
  return c;
}

/**
 * The customer with this phone, or a new profile keyed by the phone itself: inbound messages
 * and sends to bare numbers still land on a profile.
 */
export async function customerByPhone(
  db: DB,
  projectId: string,
  e164: string,
  origin: CustomerOrigin,
  /** The number's country, when the caller parsed it already. */
  country?: string | null,
): Promise<CustomersTable> {
  const existing = await customerStore.findByPhone(db, projectId, e164);
  if (existing) return existing;
  const byId = await findCustomer(db, projectId, e164);
  if (byId) return byId;
  const now = Date.now();
  const row: CustomersTable = {
    id: newId('cus'),
    project_id: projectId,
    customer_id: e164,
    phone: e164,
    country: country !== undefined ? country : countryOf(e164),
    attributes: '{}',
    origin,
    created_at: now,
    updated_at: now,
  };
  return customerStore.insertOrFind(db, row);
}

export async function listCustomers(db: DB, projectId: string, opts: { limit: number; after?: string; phone?: string }): Promise<ListPage<CustomersTable>> {
  // Stored in E.164: a number written any other way is normalised first (or refused, naming `phone`).
  const phone = opts.phone === undefined ? undefined : normalizePhoneInput(opts.phone, 'phone');
  const rows = await customerStore.list(db, projectId, { limit: opts.limit + 1, after: opts.after, phone });
  return pageOf(rows, opts.limit, (last) => last.id);
}
