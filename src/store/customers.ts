// Customer profiles, keyed by the project's own customer_id; found by phone for inbound messages
// and sends to bare numbers. The lookups and the insert run on hot paths: prepared.
import { sql } from 'kysely';
import { directSqlite, isPostgres, type DB } from './db.js';
import { CONTACT, NEW_CONTACT_WIDTH } from './new-contacts.js';
import { prepared, preparedList, type Placeholders } from './prepared.js';
import type { CustomerOrigin, CustomersTable } from './schema.js';

/** The columns an update may set. */
export type CustomerPatch = Partial<Pick<CustomersTable, 'phone' | 'country' | 'attributes' | 'updated_at'>>;

/** What a campaign launch needs of each audience member (store/audiences.ts pages them). */
export type CustomerContact = Pick<CustomersTable, 'id' | 'customer_id' | 'phone' | 'country' | 'attributes'>;

const byCustomerId = prepared<{ project_id: string; customer_id: string }, CustomersTable>((db, p) =>
  db.selectFrom('customers').selectAll().where('project_id', '=', p.project_id).where('customer_id', '=', p.customer_id),
);

const withPhone = prepared<{ project_id: string; phone: string }, CustomersTable>((db, p) =>
  db.selectFrom('customers').selectAll().where('project_id', '=', p.project_id).where('phone', '=', p.phone).orderBy('id').limit(1),
);

/** Every column, each from its placeholder. */
const rowValues = (p: Placeholders<CustomersTable>): Placeholders<CustomersTable> => ({
  id: p.id,
  project_id: p.project_id,
  customer_id: p.customer_id,
  phone: p.phone,
  country: p.country,
  attributes: p.attributes,
  origin: p.origin,
  created_at: p.created_at,
  updated_at: p.updated_at,
});

const insertRow = prepared<CustomersTable>((db, p) => db.insertInto('customers').values(rowValues(p)));

/** The project's customer with this customer_id. */
export async function find(db: DB, projectId: string, customerId: string): Promise<CustomersTable | undefined> {
  return byCustomerId.first(db, { project_id: projectId, customer_id: customerId });
}

/** The project's first customer (by id) with this phone. */
export async function findByPhone(db: DB, projectId: string, phone: string): Promise<CustomersTable | undefined> {
  return withPhone.first(db, { project_id: projectId, phone });
}

/** Inserts the row; fails if the project already has its customer_id. */
export async function insert(db: DB, row: CustomersTable): Promise<void> {
  await insertRow.execute(db, row);
}

// Two first contacts from one number at once (two processes, or two PostgreSQL transactions)
// both find no profile; the unique customer_id lets one insert and the other find it after.
const insertOrKeep = prepared<CustomersTable>((db, p) =>
  db
    .insertInto('customers')
    .values(rowValues(p))
    .onConflict((oc) => oc.columns(['project_id', 'customer_id']).doNothing()),
);

/** The row inserted, or the project's customer that already had its customer_id. */
export async function insertOrFind(db: DB, row: CustomersTable): Promise<CustomersTable> {
  if ((await insertOrKeep.changes(db, row)) === 1) return row;
  const existing = await find(db, row.project_id, row.customer_id);
  if (!existing) throw new Error(`customer ${row.customer_id} conflicted on insert but is not there`);
  return existing;
}

export async function update(db: DB, id: string, patch: CustomerPatch): Promise<void> {
  await db.updateTable('customers').set(patch).where('id', '=', id).execute();
}

/** A page of the project's customers in id order, after the `after` id when given, with this phone when given. */
export async function list(db: DB, projectId: string, opts: { limit: number; after?: string | undefined; phone?: string | undefined }): Promise<CustomersTable[]> {
  let q = db.selectFrom('customers').selectAll().where('project_id', '=', projectId).orderBy('id').limit(opts.limit);
  if (opts.after) q = q.where('id', '>', opts.after);
  if (opts.phone !== undefined) q = q.where('phone', '=', opts.phone);
  return q.execute();
}

/** How many of the project's profiles came to be this way. */
export async function countByOrigin(db: DB, projectId: string, origin: CustomerOrigin): Promise<number> {
  const r = await db.selectFrom('customers').select((eb) => eb.fn.countAll<number>().as('n')).where('project_id', '=', projectId).where('origin', '=', origin).executeTakeFirst();
  return Number(r?.n ?? 0);
}

const byCustomerIds = preparedList<{ project_id: string }, CustomersTable>((db, p, ids) =>
  db.selectFrom('customers').selectAll().where('project_id', '=', p.project_id).where('customer_id', 'in', ids as string[]),
);

/** The project's customers among these customer_ids (unknown ones left out), in no order. */
export function findMany(db: DB, projectId: string, customerIds: readonly string[]): Promise<CustomersTable[]> {
  return byCustomerIds.rows(db, { project_id: projectId }, customerIds);
}

const updateRow = prepared<Pick<CustomersTable, 'id' | 'phone' | 'country' | 'attributes' | 'updated_at'>>((db, p) =>
  db.updateTable('customers').set({ phone: p.phone, country: p.country, attributes: p.attributes, updated_at: p.updated_at }).where('id', '=', p.id),
);

/** Writes the row's phone, country and attributes (the bulk import's update: one prepared statement). */
export async function replaceContact(db: DB, row: Pick<CustomersTable, 'id' | 'phone' | 'country' | 'attributes' | 'updated_at'>): Promise<void> {
  await updateRow.execute(db, row);
}

// The bulk import's insert, one row per statement: a multi-row insert needs a statement journal
// (SQLite copies every page it changes to a temporary file, to undo the statement if a later
// row fails), which cost more than it saved. On SQLite one parameter array serves every row.
const IMPORT_COLUMNS = ['id', 'project_id', 'customer_id', 'phone', 'country', 'attributes', 'origin', 'created_at', 'updated_at'] as const satisfies readonly (keyof CustomersTable)[];
const IMPORT_SQL = `insert into customers (${IMPORT_COLUMNS.join(', ')}) values (${IMPORT_COLUMNS.map(() => '?').join(', ')}) on conflict (project_id, customer_id) do nothing`;

const insertUnlessTaken = prepared<CustomersTable>((db, p) =>
  db
    .insertInto('customers')
    .values({ id: p.id, project_id: p.project_id, customer_id: p.customer_id, phone: p.phone, country: p.country, attributes: p.attributes, origin: p.origin, created_at: p.created_at, updated_at: p.updated_at })
    .onConflict((oc) => oc.columns(['project_id', 'customer_id']).doNothing()),
);

/**
 * Inserts a bulk import's customers (`contacts`: NEW_CONTACT_WIDTH values each, see
 * new-contacts.ts; each customer_id once) with origin 'api', created and updated `now`, except
 * those whose customer_id the project already has: their rows come back as they are, for the
 * caller to update. Run it in a transaction, so what it inserts and what the caller then
 * updates commit together.
 */
export async function insertUnlessPresent(db: DB, projectId: string, now: number, contacts: readonly (string | null)[]): Promise<CustomersTable[]> {
  if (isPostgres(db)) return insertUnlessPresentPostgres(db, projectId, now, contacts);
  const taken: string[] = [];
  // Directly only inside a transaction, whose commit waits for the WAL flush; elsewhere the
  // prepared query, which waits for each write's.
  const sqlite = directSqlite(db);
  const stmt = sqlite?.inTransaction ? sqlite.prepare(IMPORT_SQL) : undefined;
  const params: unknown[] = [null, projectId, null, null, null, null, 'api', now, now];
  for (let at = 0; at < contacts.length; at += NEW_CONTACT_WIDTH) {
    const customerId = contacts[at + CONTACT.customer_id]!;
    let inserted: number;
    if (stmt) {
      // In IMPORT_COLUMNS order; project_id, origin and the times are already in place.
      params[0] = contacts[at + CONTACT.id];
      params[2] = customerId;
      params[3] = contacts[at + CONTACT.phone];
      params[4] = contacts[at + CONTACT.country];
      params[5] = contacts[at + CONTACT.attributes];
      inserted = stmt.run(params).changes;
    } else {
      inserted = await insertUnlessTaken.changes(db, {
        id: contacts[at + CONTACT.id]!,
        project_id: projectId,
        customer_id: customerId,
        phone: contacts[at + CONTACT.phone] ?? null,
        country: contacts[at + CONTACT.country] ?? null,
        attributes: contacts[at + CONTACT.attributes]!,
        origin: 'api',
        created_at: now,
        updated_at: now,
      });
    }
    if (inserted === 0) taken.push(customerId);
  }
  return taken.length === 0 ? [] : findMany(db, projectId, taken);
}

/**
 * PostgreSQL: the whole batch in one statement, a column to an array (a statement per customer is
 * a round trip each: 1,000,000 rows took two minutes). PostgreSQL has no statement journal to
 * pay for, and `returning` names the customers it inserted; the others were present.
 */
async function insertUnlessPresentPostgres(db: DB, projectId: string, now: number, contacts: readonly (string | null)[]): Promise<CustomersTable[]> {
  const n = contacts.length / NEW_CONTACT_WIDTH;
  if (n === 0) return [];
  const column = (field: number) => Array.from({ length: n }, (_, i) => contacts[i * NEW_CONTACT_WIDTH + field] ?? null);
  const customerIds = column(CONTACT.customer_id) as string[];
  const { rows } = await sql<{ customer_id: string }>`
    insert into customers (id, project_id, customer_id, phone, country, attributes, origin, created_at, updated_at)
    select u.id, ${projectId}, u.customer_id, u.phone, u.country, u.attributes, 'api', ${now}::int8, ${now}::int8
    from unnest(${column(CONTACT.id)}::text[], ${customerIds}::text[], ${column(CONTACT.phone)}::text[], ${column(CONTACT.country)}::text[], ${column(CONTACT.attributes)}::text[])
      as u(id, customer_id, phone, country, attributes)
    on conflict (project_id, customer_id) do nothing
    returning customer_id`.execute(db);
  if (rows.length === n) return [];
  const inserted = new Set(rows.map((r) => r.customer_id));
  return findMany(db, projectId, customerIds.filter((id) => !inserted.has(id)));
}

/** Deletes the profile row. Returns whether there was one. */
export async function remove(db: DB, id: string): Promise<boolean> {
  const r = await db.deleteFrom('customers').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
