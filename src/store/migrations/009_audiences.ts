import { sql, SqliteAdapter, type Kysely } from 'kysely';

// Audiences (docs/audiences.md). A campaign's list of customer ids moves out of the JSON array in
// `campaigns.audience` into rows of `campaign_audience`, written and read in chunks, so neither
// creating nor launching a campaign holds a million ids; `campaigns.audience` now holds the
// audience's definition: {"kind":"ids"} or {"kind":"filter","filter":{…}}.

/** The tables this migration reads and writes, as they are at this point. */
interface Tables {
  campaigns: { id: string; audience: string };
  campaign_audience: { campaign_id: string; customer_id: string };
}
export async function up(db: Kysely<unknown>): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  let table = db.schema
    .createTable('campaign_audience')
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('campaign_audience_pk', ['campaign_id', 'customer_id']);
  // SQLite-specific: the rows are the primary key's b-tree, with no rowid table beside it.
  if (sqlite) table = table.modifyEnd(sql`without rowid`);
  await table.execute();

  // Existing campaigns, one at a time (each audience array is parsed alone).
  const t = db as unknown as Kysely<Tables>;
  const ids = await t.selectFrom('campaigns').select('id').execute();
  for (const { id } of ids) {
    const row = await t.selectFrom('campaigns').select('audience').where('id', '=', id).executeTakeFirstOrThrow();
    const list: unknown = JSON.parse(row.audience);
    if (!Array.isArray(list)) continue;
    for (let i = 0; i < list.length; i += 500) {
      const values = (list.slice(i, i + 500) as string[]).map((customer_id) => ({ campaign_id: id, customer_id }));
      await t.insertInto('campaign_audience').values(values).onConflict((oc) => oc.doNothing()).execute();
    }
    await t.updateTable('campaigns').set({ audience: '{"kind":"ids"}' }).where('id', '=', id).execute();
  }

  // A filter's launch pages through a project's customers in id order (keyset on id).
  await db.schema.createIndex('customers_project_id').on('customers').columns(['project_id', 'id']).execute();
  // Event conditions ask, per customer, for events of some statuses, of one campaign or any,
  // since some time: all answered from this index.
  await db.schema.createIndex('events_customer_status').on('events').columns(['customer_ref', 'status', 'campaign_id', 'timestamp']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // A campaign by filter comes back as an empty list: the older schema has no filters.
  const t = db as unknown as Kysely<Tables>;
  const campaigns = await t.selectFrom('campaigns').select('id').execute();
  for (const c of campaigns) {
    const ids = await t.selectFrom('campaign_audience').select('customer_id').where('campaign_id', '=', c.id).execute();
    await t.updateTable('campaigns').set({ audience: JSON.stringify(ids.map((r) => r.customer_id)) }).where('id', '=', c.id).execute();
  }
  await db.schema.dropIndex('events_customer_status').execute();
  await db.schema.dropIndex('customers_project_id').execute();
  await db.schema.dropTable('campaign_audience').execute();
}
