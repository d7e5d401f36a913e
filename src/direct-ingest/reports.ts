// Delivery receipts for SMS that teams send straight through the Sinch API, not through the hub.
// The batch's client_reference names the customer (`$uid=…$cat=…`); the callbacks become
// `SMS Sent` / `SMS Delivered` / `SMS Delivery Failed` events on that profile, deduplicated and
// forward-only like every other status.
import { MAX_CUSTOMER_ID_CHARS, parseClientReference } from '../core/client-reference.js';
import { clean } from '../core/redact.js';
import type { DeliveryStatus } from '../core/status.js';
import { newId } from '../core/ids.js';
import { transition } from '../messages/status.js';
import { parseWebhook as parseSinchSms } from '../providers/sinch-sms/webhook.js';
import type { CanonicalUpdate, StatusUpdate } from '../providers/types.js';
import type { BatchContext, CallbackHandler } from '../callbacks/batch.js';
import { asBuffer } from '../callbacks/integration-callbacks.js';
import { countryOf, findCustomer } from '../services/customers.js';
import { recordEvent } from '../services/events.js';
import type { DB } from '../store/db.js';
import * as customerStore from '../store/customers.js';
import * as directDeliveryStore from '../store/direct-deliveries.js';
import type { CallbackRow, UpdateOutcome } from '../store/callbacks.js';

/** A client reference's `$cat`, as kept on events and deliveries. */
const MAX_CATEGORY_CHARS = 64;

export const DIRECT_EVENT_NAMES: Record<DeliveryStatus, string | null> = {
  sent: 'SMS Sent',
  delivered: 'SMS Delivered',
  failed: 'SMS Delivery Failed',
  rejected: 'SMS Delivery Failed',
  read: null,
};

/** Applies stored direct-send callbacks (source `ingest_sinch`). */
export class DirectReports implements CallbackHandler {
  readonly namesHubMessages = false;

  async parse(_trx: DB, callback: CallbackRow) {
    try {
      return parseSinchSms('ingest', asBuffer(callback.body), 'application/json');
    } catch (err) {
      return { kind: 'error' as const, reason: (err as Error).message };
    }
  }

  async apply(ctx: BatchContext, callback: CallbackRow, u: CanonicalUpdate): Promise<UpdateOutcome> {
    if (u.kind !== 'status') return 'ignored';
    return applyReport(ctx.trx, callback, u);
  }
}

/** The report's operator_status_at, kept on the event as Sinch wrote it. */
function operatorStatusAt(callback: CallbackRow): string | null {
  const json = JSON.parse(asBuffer(callback.body).toString('utf8')) as Record<string, unknown>;
  // A timestamp: anything longer than one is not worth an event property.
  return typeof json.operator_status_at === 'string' ? clean(json.operator_status_at, [], 64) : null;
}

async function applyReport(trx: DB, callback: CallbackRow, u: StatusUpdate): Promise<UpdateOutcome> {
  const projectId = callback.project_id;
  const ref = parseClientReference(u.messageId);
  // Too long a uid is refused on arrival (check.ts); one stored before that was checked is too.
  if (!ref.uid || ref.uid.length > MAX_CUSTOMER_ID_CHARS || !u.providerMessageId || !u.recipient) return 'no_uid';
  const category = ref.category === null ? null : clean(ref.category, [], MAX_CATEGORY_CHARS);
  const name = DIRECT_EVENT_NAMES[u.status];
  if (!name) return 'ignored';

  let customer = await findCustomer(trx, projectId, ref.uid);
  if (!customer) {
    const now = Date.now();
    customer = {
      id: newId('cus'),
      project_id: projectId,
      customer_id: ref.uid,
      phone: u.recipient,
      country: countryOf(u.recipient),
      attributes: '{}',
      origin: 'direct_ingest',
      created_at: now,
      updated_at: now,
    };
    await customerStore.insert(trx, customer);
  }

  const key = { project_id: projectId, batch_id: u.providerMessageId, recipient: u.recipient };
  // The API accepted the batch before any report could exist.
  const t = transition((await directDeliveryStore.findStatus(trx, key)) ?? 'accepted', u.status);
  if (t.kind === 'ignore') return t.reason;

  const inserted = await recordEvent(trx, {
    project_id: projectId,
    customer_ref: customer.id,
    customer_id: customer.customer_id,
    name,
    status: u.status,
    timestamp: (u.occurredAt ?? new Date(callback.received_at)).getTime(),
    properties: {
      category,
      batch_id: u.providerMessageId,
      recipient: u.recipient,
      status: u.providerStatus,
      status_code: u.statusCode,
      operator_status_at: operatorStatusAt(callback),
    },
    message_id: null,
    campaign_id: null,
    dedup_key: `direct:${projectId}:${u.providerMessageId}:${u.recipient}:${name}`,
  });
  if (t.kind === 'advance') {
    await directDeliveryStore.upsert(trx, { ...key, customer_ref: customer.id, category, status: u.status, updated_at: Date.now() });
  }
  if (!inserted) return 'duplicate';
  return t.kind === 'advance' ? 'applied' : 'late_event';
}
