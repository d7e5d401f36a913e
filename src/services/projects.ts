// Projects (tenants) and their settings.
import { badRequest, notFound } from '../core/errors.js';
import type { EventNameSettings } from '../core/events.js';
import { newId } from '../core/ids.js';
import type { DB } from '../store/db.js';
import type { ProjectsTable } from '../store/schema.js';

export interface ProjectSettings extends EventNameSettings {
  default_sms_integration_id: string | null;
  event_names: Partial<Record<'sms' | 'whatsapp' | 'rcs', string>>;
}

export interface ProjectView {
  id: string;
  name: string;
  created_at: string;
  updated_at: string;
}

export function projectView(p: ProjectsTable): ProjectView {
  return { id: p.id, name: p.name, created_at: new Date(p.created_at).toISOString(), updated_at: new Date(p.updated_at).toISOString() };
}

export function settingsOf(p: ProjectsTable): ProjectSettings {
  const stored = JSON.parse(p.settings) as Partial<ProjectSettings>;
  return { default_sms_integration_id: p.default_sms_integration_id, event_names: stored.event_names ?? {} };
}

export async function createProject(db: DB, name: string, id: string = newId('prj')): Promise<ProjectsTable> {
  const now = Date.now();
  const row: ProjectsTable = { id, name, default_sms_integration_id: null, settings: '{}', created_at: now, updated_at: now };
  await db.insertInto('projects').values(row).execute();
  return row;
}

export async function findProject(db: DB, id: string): Promise<ProjectsTable | undefined> {
  return db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function getProject(db: DB, id: string): Promise<ProjectsTable> {
  const p = await findProject(db, id);
  if (!p) throw notFound('project', 'project_id');
  return p;
}

export async function listProjects(db: DB, ids?: string[]): Promise<ProjectsTable[]> {
  let q = db.selectFrom('projects').selectAll().orderBy('id');
  if (ids) q = q.where('id', 'in', ids.length ? ids : ['']);
  return q.execute();
}

export async function renameProject(db: DB, id: string, name: string): Promise<ProjectsTable> {
  await getProject(db, id);
  await db.updateTable('projects').set({ name, updated_at: Date.now() }).where('id', '=', id).execute();
  return getProject(db, id);
}

const EVENT_NAME = /^[A-Za-z0-9_ .:-]{1,64}$/;

export async function updateSettings(
  db: DB,
  id: string,
  input: { default_sms_integration_id?: string | null; event_names?: Record<string, string> },
  checkSmsIntegration: (projectId: string, integrationId: string) => Promise<void>,
): Promise<ProjectSettings> {
  const project = await getProject(db, id);
  const current = settingsOf(project);
  if (input.default_sms_integration_id) await checkSmsIntegration(id, input.default_sms_integration_id);
  const eventNames = input.event_names ?? current.event_names;
  for (const [channel, name] of Object.entries(eventNames)) {
    if (!['sms', 'whatsapp', 'rcs'].includes(channel)) throw badRequest('invalid_request', `unknown channel "${channel}" in event_names`, `event_names.${channel}`);
    if (!EVENT_NAME.test(name)) throw badRequest('invalid_request', 'event names are 1-64 letters, digits, spaces or _ . : -', `event_names.${channel}`);
  }
  const defaultSms = input.default_sms_integration_id === undefined ? current.default_sms_integration_id : input.default_sms_integration_id;
  await db
    .updateTable('projects')
    .set({ default_sms_integration_id: defaultSms, settings: JSON.stringify({ event_names: eventNames }), updated_at: Date.now() })
    .where('id', '=', id)
    .execute();
  return settingsOf(await getProject(db, id));
}
