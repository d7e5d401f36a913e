// The live integrations of this process: each one decrypted once into a ready-to-use runtime and
// cached until it changes. The integration functions (integrations.ts) invalidate an entry when
// they write one; `changed` tells the dispatcher to restart that integration's sender.
import { EventEmitter } from 'node:events';
import { SecretBox, safeEqualFixedLength } from '../core/crypto.js';
import { invalid, notFound } from '../core/errors.js';
import type { Channel } from '../core/status.js';
import { getAdapter } from '../providers/registry.js';
import type { AnyAdapter, ProviderAdapter, ProviderType } from '../providers/types.js';
import type { DB } from '../store/db.js';
import * as integrationStore from '../store/integrations.js';
import type { IntegrationsTable } from '../store/schema.js';

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
  /** How long a send waits for the provider's answer; after that its outcome is unknown. */
  sendTimeoutMs: number;
  retryDeadlineSeconds: number;
}

export class IntegrationRegistry extends EventEmitter<{ changed: [id: string] }> {
  readonly #cache = new Map<string, IntegrationRuntime | null>();

  constructor(
    private readonly db: DB,
    private readonly box: SecretBox,
    private readonly publicUrl: string,
  ) {
    super();
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

  /** Resolves a webhook call's integration by id and URL token, in constant time on the token. */
  async authenticateWebhook(id: string, token: string): Promise<IntegrationRuntime | null> {
    const rt = await this.runtime(id);
    if (!rt) return null;
    // Webhook tokens are generated (randomToken), so their length is no secret.
    return safeEqualFixedLength(token, rt.webhookToken) ? rt : null;
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

  /** Every integration not deleted, of every project: the senders the dispatcher runs. */
  async activeIds(): Promise<string[]> {
    return integrationStore.listActiveIds(this.db);
  }

  /** Tells the other processes on the store (see share). */
  #tell: ((id: string) => void) | null = null;

  /** The integration was created, changed or deleted: drop its runtime and say so, here and in the other processes. */
  invalidate(id: string): void {
    this.changedElsewhere(id);
    this.#tell?.(id);
  }

  /** Another process changed the integration. */
  changedElsewhere(id: string): void {
    this.#cache.delete(id);
    this.emit('changed', id);
  }

  /** Shares the store with other processes: `tell` reaches them. */
  share(tell: (id: string) => void): void {
    this.#tell = tell;
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
      webhookUrls: this.#webhookUrls(adapter, row.id, webhookToken),
      rateLimit: row.rate_limit,
      maxConcurrency: row.max_concurrency,
      sendTimeoutMs: row.send_timeout_ms,
      retryDeadlineSeconds: row.retry_deadline_seconds,
    };
  }

  #webhookUrls(adapter: ProviderAdapter, id: string, token: string): Record<string, string> {
    return Object.fromEntries(adapter.webhookEndpoints.map((e) => [e.name, `${this.publicUrl}/webhooks/${id}/${token}/${e.name}`]));
  }
}
