// Sender profiles: a channel, an integration and the sender to use on it. A send names one, or
// the channel's default profile applies.
import { invalid, conflict, notFound } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { senderProblem } from '../core/sender.js';
import type { Channel } from '../core/status.js';
import { inTransaction, type DB } from '../store/db.js';
import * as senderProfileStore from '../store/sender-profiles.js';
import type { SenderProfilesTable } from '../store/schema.js';
import type { IntegrationRegistry, IntegrationRuntime } from './integration-registry.js';
import { getProject } from './projects.js';

export interface SenderProfileInput {
  name?: string;
  channel?: Channel;
  integration_id?: string;
  sender?: string | null;
  is_default?: boolean;
}

/** What writing sender profiles needs: the store, and the live integrations to check them against. */
export interface SenderProfileDeps {
  db: DB;
  integrations: IntegrationRegistry;
}

export async function createSenderProfile(deps: SenderProfileDeps, projectId: string, input: SenderProfileInput): Promise<SenderProfilesTable> {
  const { db } = deps;
  await getProject(db, projectId);
  if (!input.channel) throw invalid('invalid_request', 'channel is required', 'channel');
  if (!input.integration_id) throw invalid('invalid_request', 'integration_id is required', 'integration_id');
  const integration = await deps.integrations.requireForChannel(projectId, input.integration_id, input.channel);
  if (input.sender) checkSender(integration, input.channel, input.sender, 'sender');
  const now = Date.now();
  const row: SenderProfilesTable = {
    id: newId('snd'),
    project_id: projectId,
    name: input.name ?? `${input.channel} ${input.sender ?? 'default sender'}`,
    channel: input.channel,
    integration_id: input.integration_id,
    sender: input.sender ?? null,
    is_default: input.is_default ? 1 : 0,
    deleted_at: null,
    created_at: now,
    updated_at: now,
  };
  await inTransaction(db, async (trx) => {
    if (row.is_default) await senderProfileStore.clearDefault(trx, projectId, row.channel);
    await senderProfileStore.insert(trx, row);
  });
  return row;
}

export async function updateSenderProfile(deps: SenderProfileDeps, projectId: string, id: string, input: SenderProfileInput): Promise<SenderProfilesTable> {
  const { db } = deps;
  const current = await getSenderProfile(db, projectId, id);
  if (input.channel !== undefined && input.channel !== current.channel) {
    throw invalid('invalid_request', 'channel cannot be changed; create a new sender profile', 'channel');
  }
  // `""` is a value, not an absent field: checked like any other id, never written unchecked.
  if (input.integration_id === '') throw invalid('invalid_request', 'integration_id must not be empty', 'integration_id');
  if (input.integration_id !== undefined || input.sender) {
    const integration = await deps.integrations.requireForChannel(projectId, input.integration_id ?? current.integration_id, current.channel);
    const sender = input.sender === undefined ? current.sender : input.sender;
    if (sender) checkSender(integration, current.channel, sender, input.sender === undefined ? 'integration_id' : 'sender');
  }
  await inTransaction(db, async (trx) => {
    if (input.is_default) await senderProfileStore.clearDefault(trx, projectId, current.channel);
    await senderProfileStore.update(trx, id, {
      ...(input.name !== undefined && { name: input.name }),
      ...(input.integration_id !== undefined && { integration_id: input.integration_id }),
      ...(input.sender !== undefined && { sender: input.sender }),
      ...(input.is_default !== undefined && { is_default: input.is_default ? 1 : 0 }),
      updated_at: Date.now(),
    });
  });
  return getSenderProfile(db, projectId, id);
}

export async function removeSenderProfile(db: DB, projectId: string, id: string): Promise<void> {
  await getSenderProfile(db, projectId, id);
  await senderProfileStore.softDelete(db, id, Date.now());
}

export async function getSenderProfile(db: DB, projectId: string, id: string, field = 'sender_profile_id'): Promise<SenderProfilesTable> {
  const row = await senderProfileStore.find(db, projectId, id);
  if (!row) throw notFound('sender profile', field);
  return row;
}

export async function listSenderProfiles(db: DB, projectId: string): Promise<SenderProfilesTable[]> {
  return senderProfileStore.list(db, projectId);
}

export async function defaultSenderProfile(db: DB, projectId: string, channel: Channel): Promise<SenderProfilesTable | undefined> {
  return senderProfileStore.findDefault(db, projectId, channel);
}

/** A named profile, checked against the channel of the send. */
export async function senderProfileForSend(db: DB, projectId: string, id: string, channel: Channel): Promise<SenderProfilesTable> {
  const p = await getSenderProfile(db, projectId, id);
  if (p.channel !== channel) throw conflict('channel_mismatch', `sender profile ${id} is for ${p.channel}, not ${channel}`, 'sender_profile_id');
  return p;
}

/** A 400 naming `field` unless the integration's provider takes this sender on the channel. */
export function checkSender(integration: IntegrationRuntime, channel: Channel, sender: string, field: string): void {
  const problem = senderProblem(sender, integration.adapter.senders[channel] ?? [], `${integration.adapter.displayName} on ${channel}`);
  if (problem) throw invalid('invalid_sender', problem, field);
}
