// Erasing a customer (docs/customer-data.md, "Erasing a customer"): one transaction removes the
// profile, consent and what direct-send receipts kept, deletes the tracked links of their
// messages, strips those messages of recipient and content, cancels what was still queued, takes
// their id off campaign audience lists, and moves their events, scrubbed, to an opaque token.
import { randomBytes } from 'node:crypto';
import { erasedToken, scrubEvent } from '../core/erasure.js';
import { notFound } from '../core/errors.js';
import * as audienceStore from '../store/audiences.js';
import * as consentStore from '../store/consents.js';
import * as customerStore from '../store/customers.js';
import { inTransaction, type DB } from '../store/db.js';
import * as directDeliveryStore from '../store/direct-deliveries.js';
import * as eventStore from '../store/events.js';
import * as linkStore from '../store/links.js';
import * as messageStore from '../store/messages.js';

export interface ErasureSummary {
  /** The internal profile id the erased rows were known by, for dropping in-memory sends. */
  customer_ref: string;
  messages: number;
  events: number;
}

export async function eraseCustomer(db: DB, projectId: string, customerId: string): Promise<ErasureSummary> {
  return inTransaction(db, async (trx) => {
    const c = await customerStore.find(trx, projectId, customerId);
    if (!c) throw notFound('customer', 'customer_id');
    // Random, not derived from the customer: nothing leads back from the token.
    const token = erasedToken(randomBytes(12).toString('hex'));
    const now = Date.now();
    await linkStore.removeForMessages(trx, await messageStore.idsOfCustomer(trx, c.id));
    const messages = await messageStore.eraseForCustomer(trx, c.id, token, now);
    const events = await eventStore.anonymiseForCustomer(trx, c.id, token, scrubEvent);
    await consentStore.removeForCustomer(trx, c.id);
    await directDeliveryStore.removeForCustomer(trx, c.id);
    // Customer ids can be personal (an email, say): audience lists forget it too.
    await audienceStore.removeIdFromLists(trx, projectId, c.customer_id);
    await customerStore.remove(trx, c.id);
    return { customer_ref: c.id, messages, events };
  });
}
