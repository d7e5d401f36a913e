// Callbacks of an integration's webhooks: parsed by its provider's adapter; delivery reports move
// the hub's messages on, inbound messages and consent changes go to two-way messaging.
import { getAdapter } from '../providers/registry.js';
import type { CanonicalUpdate } from '../providers/types.js';
import type { DB } from '../store/db.js';
import * as integrationStore from '../store/integrations.js';
import type { CallbackRow } from '../store/callbacks.js';
import { applyConsentUpdate, applyInbound } from '../two-way/inbound.js';
import type { BatchContext, CallbackHandler } from './batch.js';

export class IntegrationCallbacks implements CallbackHandler {
  readonly namesHubMessages = true;
  /** Integration id → provider type; an integration's provider never changes. */
  readonly #providers = new Map<string, string>();

  async parse(trx: DB, callback: CallbackRow) {
    const adapter = getAdapter((callback.integration_id && (await this.#providerOf(trx, callback.integration_id))) ?? '');
    if (!adapter) return { kind: 'error' as const, reason: 'unknown integration' };
    try {
      return adapter.parseWebhook({ endpoint: callback.endpoint, rawBody: asBuffer(callback.body), contentType: callback.content_type, query: callback.query });
    } catch (err) {
      return { kind: 'error' as const, reason: (err as Error).message };
    }
  }

  async apply(ctx: BatchContext, callback: CallbackRow, u: CanonicalUpdate) {
    const integrationId = callback.integration_id!;
    switch (u.kind) {
      case 'status': {
        const m = ctx.messages.find(integrationId, u);
        if (!m) return 'unmatched';
        return ctx.reports.apply(m, u, callback.received_at, await ctx.settings(m.project_id));
      }
      case 'inbound':
        return applyInbound(ctx, { projectId: callback.project_id, integrationId, receivedAt: callback.received_at, bodyHash: callback.body_hash }, u);
      case 'consent':
        return applyConsentUpdate(ctx, { projectId: callback.project_id, integrationId, receivedAt: callback.received_at }, u);
      default:
        return 'ignored';
    }
  }

  async #providerOf(trx: DB, integrationId: string): Promise<string | undefined> {
    let p = this.#providers.get(integrationId);
    if (!p) {
      // Deleted ones too: what they sent before deletion is still processed.
      p = (await integrationStore.findAny(trx, integrationId))?.provider;
      if (p) this.#providers.set(integrationId, p);
    }
    return p;
  }
}

export function asBuffer(body: Uint8Array): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.from(body);
}
