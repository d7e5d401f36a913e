// Sender profiles: a channel, an integration and the sender to use on it; at most one default
// per project and channel. Removal is soft.
import type { Channel } from '../core/status.js';
import type { DB } from './db.js';
import { prepared } from './prepared.js';
import type { SenderProfilesTable } from './schema.js';

/** The columns an update may set. */
export type SenderProfilePatch = Partial<Pick<SenderProfilesTable, 'name' | 'integration_id' | 'sender' | 'is_default' | 'updated_at'>>;

export async function insert(db: DB, row: SenderProfilesTable): Promise<void> {
  await db.insertInto('sender_profiles').values(row).execute();
}

/** The project's live profile. */
export async function find(db: DB, projectId: string, id: string): Promise<SenderProfilesTable | undefined> {
  return db
    .selectFrom('sender_profiles')
    .selectAll()
    .where('id', '=', id)
    .where('project_id', '=', projectId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

/** The project's live profiles in id order. */
export async function list(db: DB, projectId: string): Promise<SenderProfilesTable[]> {
  return db.selectFrom('sender_profiles').selectAll().where('project_id', '=', projectId).where('deleted_at', 'is', null).orderBy('id').execute();
}

const defaultProfile = prepared<Pick<SenderProfilesTable, 'project_id' | 'channel'>, SenderProfilesTable>((db, p) =>
  db
    .selectFrom('sender_profiles')
    .selectAll()
    .where('project_id', '=', p.project_id)
    .where('channel', '=', p.channel)
    .where('is_default', '=', 1)
    .where('deleted_at', 'is', null)
    .limit(1),
);

/** The project's live default profile for the channel. */
export async function findDefault(db: DB, projectId: string, channel: Channel): Promise<SenderProfilesTable | undefined> {
  return defaultProfile.first(db, { project_id: projectId, channel });
}

export async function update(db: DB, id: string, patch: SenderProfilePatch): Promise<void> {
  await db.updateTable('sender_profiles').set(patch).where('id', '=', id).execute();
}

/** No profile of the project is the channel's default any more. */
export async function clearDefault(db: DB, projectId: string, channel: Channel): Promise<void> {
  await db.updateTable('sender_profiles').set({ is_default: 0 }).where('project_id', '=', projectId).where('channel', '=', channel).execute();
}

/** Marks the profile removed; a removed profile is nobody's default. */
export async function softDelete(db: DB, id: string, at: number): Promise<void> {
  await db.updateTable('sender_profiles').set({ deleted_at: at, is_default: 0 }).where('id', '=', id).execute();
}
