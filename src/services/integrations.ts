// Integrations: one configured provider account each. Secrets are sealed at rest, decrypted only
// into the in-memory runtime the dispatcher and webhooks use, and never returned.
import { EventEmitter } from 'node:events';
import { SecretBox, randomToken, safeEqualFixedLength } from '../core/crypto.js';
import { invalid, conflict, notFound } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { Channel } from '../core/status.js';
import { getAdapter, providerTypes } from '../providers/registry.js';
import type { AnyAdapter, ProviderAdapter, ProviderType } from '../providers/types.js';
import { inTransaction, type DB } from '../store/db.js';
import * as integrationStore from '../store/integrations.js';
import type { IntegrationsTable } from '../store/schema.js';
import { getProject } from './projects.js';
import { validateAgainst } from './validation.js';

export interface IntegrationRuntime {
  id: string;
  projectId: string;
  provider: ProviderType;
  name: string;
  adapter: AnyAdapter;
  config: Record<string, unknown>;
  secrets: Record<string, unknown>;
  webhookToken: string;
  webhookUrls: Record<string, string>;
  /** Message parts per second; null means unlimited. */
  rateLimit: number | null;
  maxConcurrency: number;
  retryDeadlineSeconds: number;
}

export interface IntegrationInput {
  provider?: string;
  name?: string;
  config?: Record<string, unknown>;
  secrets?: Record<string, unknown>;
  rate_limit?: number | null;
  max_concurrency?: number;
  retry_deadline_seconds?: number;
}

export const DEFAULT_RATE_LIMIT = 30;
export const DEFAULT_MAX_CONCURRENCY = 32;
export const DEFAULT_RETRY_DEADLINE_SECONDS = 3600;

export class IntegrationService extends EventEmitter<{ changed: [id: string] }> {
  readonly #cache = new Map<string, IntegrationRuntime | null>();

  constructor(
    private readonly db: DB,
    private readonly box: SecretBox,
    private readonly publicUrl: string,
  ) {
    super();
  }

  webhookUrls(adapter: ProviderAdapter, id: string, token: string): Record<string, string> {
    return Object.fromEntries(adapter.webhookEndpoints.map((r) => [r.name, `${this.publicUrl}/webhooks/${id}/${token}/${r.name}`]));
  }

  #adapterFor(provider: string | undefined): AnyAdapter {
    if (!provider) throw invalid('invalid_request', 'provider is required', 'provider');
    const adapter = getAdapter(provider);
    if (!adapter) throw invalid('invalid_request', `provider must be one of: ${providerTypes().join(', ')}`, 'provider');
    return adapter;
  }

  async create(projectId: string, input: IntegrationInput): Promise<IntegrationsTable> {
    await getProject(this.db, projectId);
    const adapter = this.#adapterFor(input.provider);
    const config = validateAgainst<Record<string, unknown>>(adapter.configSchema, input.config, 'config');
    const secrets = validateAgainst<Record<string, unknown>>(adapter.secretsSchema, input.secrets, 'secrets');
    const now = Date.now();
    const row: IntegrationsTable = {
      id: newId('int'),
      project_id: projectId,
      provider: adapter.type,
      name: input.name ?? adapter.displayName,
      config: JSON.stringify(config),
      secrets: this.box.sealJson(secrets),
      webhook_token: this.box.seal(randomToken()),
      rate_limit: input.rate_limit === undefined ? DEFAULT_RATE_LIMIT : input.rate_limit,
      max_concurrency: input.max_concurrency ?? DEFAULT_MAX_CONCURRENCY,
      retry_deadline_seconds: input.retry_deadline_seconds ?? DEFAULT_RETRY_DEADLINE_SECONDS,
      deleted_at: null,
      created_at: now,
      updated_at: now,
    };
    await integrationStore.insert(this.db, row);
    this.emit('changed', row.id);
    return row;
  }

  async update(projectId: string, id: string, input: IntegrationInput): Promise<IntegrationsTable> {
    const row = await this.getRow(projectId, id);
    if (input.provider !== undefined && input.provider !== row.provider) {
      throw invalid('invalid_request', 'provider cannot be changed; create a new integration', 'provider');
    }
    const adapter = this.#adapterFor(row.provider);
    const config = input.config
      ? validateAgainst<Record<string, unknown>>(adapter.configSchema, { ...JSON.parse(row.config), ...input.config }, 'config')
      : undefined;
    // Secrets are write-only: a PATCH replaces the keys it names and keeps the others.
    const secrets = input.secrets
      ? validateAgainst<Record<string, unknown>>(adapter.secretsSchema, { ...this.box.openJson<object>(row.secrets), ...input.secrets }, 'secrets')
      : undefined;
    await integrationStore.update(this.db, id, {
      ...(input.name !== undefined && { name: input.name }),
      ...(config && { config: JSON.stringify(config) }),
      ...(secrets && { secrets: this.box.sealJson(secrets) }),
      ...(input.rate_limit !== undefined && { rate_limit: input.rate_limit }),
      ...(input.max_concurrency !== undefined && { max_concurrency: input.max_concurrency }),
      ...(input.retry_deadline_seconds !== undefined && { retry_deadline_seconds: input.retry_deadline_seconds }),
      updated_at: Date.now(),
    });
    this.#cache.delete(id);
    this.emit('changed', id);
    return this.getRow(projectId, id);
  }

  /** Soft delete: messages and events keep pointing at it. Queued messages are cancelled. */
  async remove(projectId: string, id: string): Promise<void> {
    await this.getRow(projectId, id);
    const project = await getProject(this.db, projectId);
    if (project.default_sms_integration_id === id) {
      throw conflict('integration_in_use', 'this integration is the project\'s default SMS provider; set another default first', 'integration_id');
    }
    const now = Date.now();
    await inTransaction(this.db, async (trx) => {
      await integrationStore.softDelete(trx, id, now);
      await integrationStore.cancelQueuedMessages(trx, id, now);
    });
    this.#cache.delete(id);
    this.emit('changed', id);
  }

  async getRow(projectId: string, id: string): Promise<IntegrationsTable> {
    const row = await integrationStore.find(this.db, projectId, id);
    if (!row) throw notFound('integration', 'integration_id');
    return row;
  }

  async list(projectId: string): Promise<IntegrationsTable[]> {
    return integrationStore.list(this.db, projectId);
  }

  async activeIds(): Promise<string[]> {
    return integrationStore.listActiveIds(this.db);
  }

  /** Throws unless the integration belongs to the project, is live, and carries the channel. */
  async requireForChannel(projectId: string, id: string, channel: Channel, field = 'integration_id'): Promise<IntegrationRuntime> {
    const rt = await this.runtime(id);
    if (!rt || rt.projectId !== projectId) throw notFound('integration', field);
    if (!rt.adapter.channels.includes(channel)) {
      throw invalid('channel_not_supported', `integration ${id} (${rt.provider}) does not send ${channel}`, field);
    }
    return rt;
  }

  /**
   * The decrypted, ready-to-use integration, cached until it changes. Null when gone. Code
   * running inside a transaction passes it, since the connection is the transaction's.
   */
  async runtime(id: string, executor: DB = this.db): Promise<IntegrationRuntime | null> {
    const cached = this.#cache.get(id);
    if (cached !== undefined) return cached;
    const row = await integrationStore.findAny(executor, id);
    const rt = row && row.deleted_at === null ? this.#toRuntime(row) : null;
    this.#cache.set(id, rt);
    return rt;
  }

  #toRuntime(row: IntegrationsTable): IntegrationRuntime | null {
    const adapter = getAdapter(row.provider);
    if (!adapter) return null;
    const webhookToken = this.box.open(row.webhook_token);
    return {
      id: row.id,
      projectId: row.project_id,
      provider: row.provider,
      name: row.name,
      adapter,
      config: JSON.parse(row.config) as Record<string, unknown>,
      secrets: this.box.openJson<Record<string, unknown>>(row.secrets),
      webhookToken,
      webhookUrls: this.webhookUrls(adapter, row.id, webhookToken),
      rateLimit: row.rate_limit,
      maxConcurrency: row.max_concurrency,
      retryDeadlineSeconds: row.retry_deadline_seconds,
    };
  }

  /** Resolves a webhook call's integration by id and URL token, in constant time on the token. */
  async authenticateWebhook(id: string, token: string): Promise<IntegrationRuntime | null> {
    const rt = await this.runtime(id);
    if (!rt) return null;
    // Webhook tokens are generated (randomToken), so their length is no secret.
    return safeEqualFixedLength(token, rt.webhookToken) ? rt : null;
  }

  async view(row: IntegrationsTable, defaultSmsId: string | null) {
    const adapter = getAdapter(row.provider);
    const rt = await this.runtime(row.id);
    const secretKeys = Object.keys(this.box.openJson<object>(row.secrets));
    return {
      id: row.id,
      project_id: row.project_id,
      provider: row.provider,
      name: row.name,
      channels: adapter ? [...adapter.channels] : [],
      config: JSON.parse(row.config) as Record<string, unknown>,
      secrets_set: secretKeys,
      rate_limit: row.rate_limit,
      max_concurrency: row.max_concurrency,
      retry_deadline_seconds: row.retry_deadline_seconds,
      is_default_sms: defaultSmsId === row.id,
      webhook_urls: rt?.webhookUrls ?? {},
      created_at: new Date(row.created_at).toISOString(),
      updated_at: new Date(row.updated_at).toISOString(),
    };
  }
}
