// Integrations: one provider account each. Removal is soft: messages and events keep pointing at
// a removed integration.
import type { DB } from './db.js';
import type { IntegrationsTable } from './schema.js';

/** The columns an update may set. */
export type IntegrationPatch = Partial<Omit<IntegrationsTable, 'id' | 'project_id' | 'provider' | 'created_at'>>;

export async function insert(db: DB, row: IntegrationsTable): Promise<void> {
  await db.insertInto('integrations').values(row).execute();
}

/** The integration whether live or removed, for code that decides what a removed one means. */
export async function findAny(db: DB, id: string): Promise<IntegrationsTable | undefined> {
  return db.selectFrom('integrations').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The project's live integration. */
export async function find(db: DB, projectId: string, id: string): Promise<IntegrationsTable | undefined> {
  return db
    .selectFrom('integrations')
    .selectAll()
    .where('id', '=', id)
    .where('project_id', '=', projectId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

/** The project's live integrations in id order. */
export async function list(db: DB, projectId: string): Promise<IntegrationsTable[]> {
  return db.selectFrom('integrations').selectAll().where('project_id', '=', projectId).where('deleted_at', 'is', null).orderBy('id').execute();
}

/** The ids of every live integration, of all projects. */
export async function listActiveIds(db: DB): Promise<string[]> {
  const rows = await db.selectFrom('integrations').select('id').where('deleted_at', 'is', null).execute();
  return rows.map((r) => r.id);
}

export async function update(db: DB, id: string, patch: IntegrationPatch): Promise<void> {
  await db.updateTable('integrations').set(patch).where('id', '=', id).execute();
}

/** Marks the integration removed. */
export async function softDelete(db: DB, id: string, at: number): Promise<void> {
  await db.updateTable('integrations').set({ deleted_at: at, updated_at: at }).where('id', '=', id).execute();
}

/** Cancels the integration's messages still waiting to be sent; returns how many. */
export async function cancelQueuedMessages(db: DB, id: string, at: number): Promise<number> {
  const res = await db
    .updateTable('messages')
    .set({ dispatch_state: 'cancelled', updated_at: at })
    .where('integration_id', '=', id)
    .where('dispatch_state', '=', 'queued')
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}

/**
 * Records a credentials check of the integration as it was at `checkedUpdatedAt`, leaving
 * `updated_at` alone (checking changes nothing configured). False when it changed since.
 */
export async function recordVerify(db: DB, id: string, checkedUpdatedAt: number, at: number, resultJson: string): Promise<boolean> {
  const res = await db
    .updateTable('integrations')
    .set({ last_verified_at: at, last_verify_result: resultJson })
    .where('id', '=', id)
    .where('updated_at', '=', checkedUpdatedAt)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}
