// Integrations: one configured provider account each. Secrets are sealed at rest, decrypted only
// into the in-memory runtime the dispatcher and webhooks use (integration-registry.ts), and
// never returned.
import type { Config } from '../config.js';
import { SecretBox, randomToken } from '../core/crypto.js';
import { invalid, conflict, notFound } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { AddressPolicy } from '../core/provider-url.js';
import type { Channel } from '../core/status.js';
import { getAdapter, providerTypes } from '../providers/registry.js';
import type { AnyAdapter } from '../providers/types.js';
import { inTransaction, type DB } from '../store/db.js';
import * as integrationStore from '../store/integrations.js';
import type { IntegrationsTable } from '../store/schema.js';
import type { IntegrationRegistry } from './integration-registry.js';
import { getProject } from './projects.js';
import { validateAgainst, validateProviderConfig } from './validation.js';

export interface IntegrationInput {
  provider?: string;
  name?: string;
  config?: Record<string, unknown>;
  secrets?: Record<string, unknown>;
  rate_limit?: number | null;
  max_concurrency?: number;
  send_timeout_ms?: number;
  retry_deadline_seconds?: number;
}

export const DEFAULT_RATE_LIMIT = 30;
export const DEFAULT_MAX_CONCURRENCY = 32;
/**
 * Long enough for a provider's slow moments (their APIs answer in well under a second when
 * healthy), short enough that a hung connection frees its slot. A send that times out has an
 * unknown outcome, reconciled before it is sent again.
 */
export const DEFAULT_SEND_TIMEOUT_MS = 15_000;
export const DEFAULT_RETRY_DEADLINE_SECONDS = 3600;

/**
 * What writing integrations needs: the store, the key that seals secrets, the live registry to
 * invalidate, and whether endpoint URLs may point at loopback.
 */
export interface IntegrationDeps {
  db: DB;
  box: SecretBox;
  integrations: IntegrationRegistry;
  config: Pick<Config, 'allowLoopbackProviderUrls'>;
}

function addressPolicy(deps: IntegrationDeps): AddressPolicy {
  return { allowLoopback: deps.config.allowLoopbackProviderUrls };
}

function adapterFor(provider: string | undefined): AnyAdapter {
  if (!provider) throw invalid('invalid_request', 'provider is required', 'provider');
  const adapter = getAdapter(provider);
  if (!adapter) throw invalid('invalid_request', `provider must be one of: ${providerTypes().join(', ')}`, 'provider');
  return adapter;
}

export async function createIntegration(deps: IntegrationDeps, projectId: string, input: IntegrationInput): Promise<IntegrationsTable> {
  const { db, box } = deps;
  await getProject(db, projectId);
  const adapter = adapterFor(input.provider);
  const config = validateProviderConfig<Record<string, unknown>>(adapter.configSchema, input.config, 'config', addressPolicy(deps));
  const secrets = validateAgainst<Record<string, unknown>>(adapter.secretsSchema, input.secrets, 'secrets');
  const now = Date.now();
  const row: IntegrationsTable = {
    id: newId('int'),
    project_id: projectId,
    provider: adapter.type,
    name: input.name ?? adapter.displayName,
    config: JSON.stringify(config),
    secrets: box.sealJson(secrets),
    webhook_token: box.seal(randomToken()),
    rate_limit: input.rate_limit === undefined ? DEFAULT_RATE_LIMIT : input.rate_limit,
    max_concurrency: input.max_concurrency ?? DEFAULT_MAX_CONCURRENCY,
    send_timeout_ms: input.send_timeout_ms ?? DEFAULT_SEND_TIMEOUT_MS,
    retry_deadline_seconds: input.retry_deadline_seconds ?? DEFAULT_RETRY_DEADLINE_SECONDS,
    last_verified_at: null,
    last_verify_result: null,
    deleted_at: null,
    created_at: now,
    updated_at: now,
  };
  await integrationStore.insert(db, row);
  deps.integrations.invalidate(row.id);
  return row;
}

export async function updateIntegration(deps: IntegrationDeps, projectId: string, id: string, input: IntegrationInput): Promise<IntegrationsTable> {
  const { db, box } = deps;
  const row = await getIntegration(db, projectId, id);
  if (input.provider !== undefined && input.provider !== row.provider) {
    throw invalid('invalid_request', 'provider cannot be changed; create a new integration', 'provider');
  }
  const adapter = adapterFor(row.provider);
  const config = input.config
    ? validateProviderConfig<Record<string, unknown>>(adapter.configSchema, { ...JSON.parse(row.config), ...input.config }, 'config', addressPolicy(deps))
    : undefined;
  // Secrets are write-only: a PATCH replaces the keys it names and keeps the others.
  const secrets = input.secrets
    ? validateAgainst<Record<string, unknown>>(adapter.secretsSchema, { ...box.openJson<object>(row.secrets), ...input.secrets }, 'secrets')
    : undefined;
  await integrationStore.update(db, id, {
    ...(input.name !== undefined && { name: input.name }),
    ...(config && { config: JSON.stringify(config) }),
    ...(secrets && { secrets: box.sealJson(secrets) }),
    ...(input.rate_limit !== undefined && { rate_limit: input.rate_limit }),
    ...(input.max_concurrency !== undefined && { max_concurrency: input.max_concurrency }),
    ...(input.send_timeout_ms !== undefined && { send_timeout_ms: input.send_timeout_ms }),
    ...(input.retry_deadline_seconds !== undefined && { retry_deadline_seconds: input.retry_deadline_seconds }),
    // A check of other credentials or ids says nothing about these.
    ...((config || secrets) && { last_verified_at: null, last_verify_result: null }),
    updated_at: Date.now(),
  });
  deps.integrations.invalidate(id);
  return getIntegration(db, projectId, id);
}

/** Soft delete: messages and events keep pointing at it. Queued messages are cancelled. */
export async function removeIntegration(deps: IntegrationDeps, projectId: string, id: string): Promise<void> {
  const { db } = deps;
  await getIntegration(db, projectId, id);
  const project = await getProject(db, projectId);
  if (project.default_sms_integration_id === id) {
    throw conflict('integration_in_use', 'this integration is the project\'s default SMS provider; set another default first', 'integration_id');
  }
  const now = Date.now();
  await inTransaction(db, async (trx) => {
    await integrationStore.softDelete(trx, id, now);
    await integrationStore.cancelQueuedMessages(trx, id, now);
  });
  deps.integrations.invalidate(id);
}

export async function getIntegration(db: DB, projectId: string, id: string): Promise<IntegrationsTable> {
  const row = await integrationStore.find(db, projectId, id);
  if (!row) throw notFound('integration', 'integration_id');
  return row;
}

export async function listIntegrations(db: DB, projectId: string): Promise<IntegrationsTable[]> {
  return integrationStore.list(db, projectId);
}

/** What an integration's row alone doesn't say: its channels, which secrets are set (never their values), its webhook URLs. */
export interface IntegrationDetails {
  channels: Channel[];
  secretNames: string[];
  webhookUrls: Record<string, string>;
}

export async function integrationDetails(deps: IntegrationDeps, row: IntegrationsTable): Promise<IntegrationDetails> {
  const adapter = getAdapter(row.provider);
  const rt = await deps.integrations.runtime(row.id);
  return {
    channels: adapter ? [...adapter.channels] : [],
    secretNames: Object.keys(deps.box.openJson<object>(row.secrets)),
    webhookUrls: rt?.webhookUrls ?? {},
  };
}
