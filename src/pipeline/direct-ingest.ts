// Delivery receipts for SMS that teams send straight through the Sinch API, not through the hub.
// The batch's client_reference names the customer (`$uid=…$cat=…`); the receipts become
// `SMS Sent` / `SMS Delivered` / `SMS Delivery Failed` events on that profile, deduplicated and
// forward-only like every other status.
import { parseClientReference } from '../core/client-reference.js';
import { transition, type DeliveryStatus, type MessageStatus } from '../core/status.js';
import { parseWebhook as parseSinchSms } from '../providers/sinch-sms/webhook.js';
import type { StatusUpdate } from '../providers/types.js';
import { countryOf, findCustomer } from '../services/customers.js';
import { recordEvent } from '../services/events.js';
import { newId } from '../core/ids.js';
import type { DB } from '../store/db.js';

export const DIRECT_EVENT_NAMES: Record<DeliveryStatus, string | null> = {
  sent: 'SMS Sent',
  delivered: 'SMS Delivered',
  failed: 'SMS Delivery Failed',
  rejected: 'SMS Delivery Failed',
  read: null,
};

const REPORT_TYPES = new Set(['recipient_delivery_report_sms', 'recipient_delivery_report_mms', 'delivery_report_sms', 'delivery_report_mms']);

export type IngestCheck =
  | { ok: true }
  | { ok: false; status: 400 | 422; reason: string; clientReference: string | null; batchId: string | null };

/**
 * Decides, before anything is stored, whether a callback can be taken: only delivery reports
 * whose client_reference names a customer. Everything else is refused with a 4xx, which Sinch
 * does not retry.
 */
export function checkDirectReport(rawBody: Buffer): IngestCheck {
  let json: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(rawBody.toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
    json = parsed as Record<string, unknown>;
  } catch (err) {
    return { ok: false, status: 400, reason: `the body is not a JSON object: ${(err as Error).message}`, clientReference: null, batchId: null };
  }
  const clientReference = typeof json.client_reference === 'string' ? json.client_reference : null;
  const batchId = typeof json.batch_id === 'string' ? json.batch_id : null;
  if (typeof json.type !== 'string' || !REPORT_TYPES.has(json.type)) {
    return { ok: false, status: 400, reason: `not a delivery report (type ${JSON.stringify(json.type ?? null)})`, clientReference, batchId };
  }
  if (!parseClientReference(clientReference).uid) {
    return { ok: false, status: 422, reason: 'client_reference carries no $uid=<customer_id>', clientReference, batchId };
  }
  return { ok: true };
}

type Outcome = 'applied' | 'late_event' | 'duplicate' | 'conflict' | 'terminal' | 'ignored' | 'no_uid';

/** Applies one stored direct-send receipt. Returns the outcome to keep on the receipt. */
export async function applyDirectReport(trx: DB, projectId: string, rawBody: Buffer, receivedAt: number): Promise<string> {
  const json = JSON.parse(rawBody.toString('utf8')) as Record<string, unknown>;
  const operatorStatusAt = typeof json.operator_status_at === 'string' ? json.operator_status_at : null;
  const outcomes: Outcome[] = [];
  for (const u of parseSinchSms('ingest', rawBody, 'application/json')) {
    if (u.kind !== 'status') {
      outcomes.push('ignored');
      continue;
    }
    outcomes.push(await applyOne(trx, projectId, u, operatorStatusAt, receivedAt));
  }
  return [...new Set(outcomes)].join(',') || 'ignored';
}

async function applyOne(trx: DB, projectId: string, u: StatusUpdate, operatorStatusAt: string | null, receivedAt: number): Promise<Outcome> {
  const ref = parseClientReference(u.messageId);
  if (!ref.uid || !u.providerMessageId || !u.recipient) return 'no_uid';
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
    await trx.insertInto('customers').values(customer).execute();
  }

  const key = { project_id: projectId, batch_id: u.providerMessageId, recipient: u.recipient };
  const state = await trx
    .selectFrom('direct_deliveries')
    .select('status')
    .where('project_id', '=', key.project_id)
    .where('batch_id', '=', key.batch_id)
    .where('recipient', '=', key.recipient)
    .executeTakeFirst();
  // The API accepted the batch before any report could exist.
  const current: MessageStatus = state?.status ?? 'enqueued';
  const t = transition(current, u.status);
  if (t.kind === 'ignore') return t.reason;

  const inserted = await recordEvent(trx, {
    project_id: projectId,
    customer_ref: customer.id,
    customer_id: customer.customer_id,
    name,
    status: u.status,
    timestamp: (u.occurredAt ?? new Date(receivedAt)).getTime(),
    properties: {
      category: ref.category,
      batch_id: u.providerMessageId,
      recipient: u.recipient,
      status: u.providerStatus,
      status_code: u.statusCode,
      operator_status_at: operatorStatusAt,
    },
    message_id: null,
    campaign_id: null,
    dedup_key: `direct:${projectId}:${u.providerMessageId}:${u.recipient}:${name}`,
  });
  if (t.kind === 'advance') {
    const now = Date.now();
    await trx
      .insertInto('direct_deliveries')
      .values({ ...key, customer_ref: customer.id, category: ref.category, status: u.status, updated_at: now })
      .onConflict((oc) => oc.columns(['project_id', 'batch_id', 'recipient']).doUpdateSet({ status: u.status, updated_at: now }))
      .execute();
  }
  if (!inserted) return 'duplicate';
  return t.kind === 'advance' ? 'applied' : 'late_event';
}
