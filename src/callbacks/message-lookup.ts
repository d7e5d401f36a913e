// The messages a batch's status updates name, read in a few queries up front: by our message id
// where the provider echoes it, else by the provider's id (and recipient). The row objects are
// shared, so a status applied by one report is seen by the next one about the same message.
import type { StatusUpdate } from '../providers/types.js';
import type { DB } from '../store/db.js';
import * as messageStore from '../store/messages.js';
import type { MessagesTable } from '../store/schema.js';

export class MessageLookup {
  readonly #byId = new Map<string, MessagesTable>();
  /** `integration id` + NUL + `provider message id` → the messages with that id (a batch may have several recipients). */
  readonly #byProviderId = new Map<string, MessagesTable[]>();

  static async prefetch(trx: DB, statuses: { integrationId: string; update: StatusUpdate }[]): Promise<MessageLookup> {
    const lookup = new MessageLookup();
    const ids = [...new Set(statuses.flatMap((s) => (s.update.messageId ? [s.update.messageId] : [])))];
    for (const m of await messageStore.listByIdsForUpdate(trx, ids)) lookup.#byId.set(m.id, m);
    // Reports that don't carry our id, or carry one that isn't this integration's message.
    const byIntegration = new Map<string, Set<string>>();
    for (const { integrationId, update } of statuses) {
      if (!update.providerMessageId || lookup.#ownMessage(integrationId, update)) continue;
      let set = byIntegration.get(integrationId);
      if (!set) byIntegration.set(integrationId, (set = new Set()));
      set.add(update.providerMessageId);
    }
    for (const [integrationId, providerIds] of byIntegration) {
      for (const row of await messageStore.listByProviderIdsForUpdate(trx, integrationId, [...providerIds])) {
        const m = lookup.#byId.get(row.id) ?? row;
        lookup.#byId.set(m.id, m);
        const key = `${integrationId}\0${m.provider_message_id}`;
        const list = lookup.#byProviderId.get(key);
        if (list) list.push(m);
        else lookup.#byProviderId.set(key, [m]);
      }
    }
    return lookup;
  }

  find(integrationId: string, u: StatusUpdate): MessagesTable | undefined {
    const own = this.#ownMessage(integrationId, u);
    if (own) return own;
    if (!u.providerMessageId) return undefined;
    const candidates = this.#byProviderId.get(`${integrationId}\0${u.providerMessageId}`) ?? [];
    return u.recipient ? candidates.find((m) => m.recipient === u.recipient) : candidates[0];
  }

  #ownMessage(integrationId: string, u: StatusUpdate): MessagesTable | undefined {
    const m = u.messageId ? this.#byId.get(u.messageId) : undefined;
    return m && m.integration_id === integrationId ? m : undefined;
  }
}
