// Accepting outbound messages: validation, integration resolution, part counting, and one
// durable insert. The API answers only after that insert has committed.
import { badRequest, conflict, notFound } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { expectsDeliveryReports } from '../core/phone.js';
import { countSegments } from '../core/segments.js';
import type { Channel } from '../core/status.js';
import type { DB } from '../store/db.js';
import type { MessagesTable } from '../store/schema.js';
import { customerByPhone, getCustomer, normalizePhoneInput } from './customers.js';
import type { IntegrationRuntime, IntegrationService } from './integrations.js';
import { getProject, settingsOf } from './projects.js';

/** Bodies longer than this are refused before they reach a provider (Sinch and Twilio: 1600). */
export const MAX_BODY_CHARS = 1600;

export interface QueueSignal {
  /** New work is queued for this integration. */
  notify(integrationId: string): void;
}

export interface SendInput {
  customer_id?: string;
  phone?: string;
  channel?: Channel;
  body: string;
  integration_id?: string;
  sender?: string;
}

export function checkBody(body: string, field = 'body'): void {
  if (body.trim().length === 0) throw badRequest('invalid_request', `${field} must not be empty`, field);
  if (body.length > MAX_BODY_CHARS) throw badRequest('invalid_request', `${field} is longer than ${MAX_BODY_CHARS} characters`, field);
}

/** The named integration, or the project's default for the channel. */
export async function resolveIntegration(
  db: DB,
  integrations: IntegrationService,
  projectId: string,
  channel: Channel,
  integrationId: string | undefined | null,
): Promise<IntegrationRuntime> {
  if (integrationId) return integrations.requireForChannel(projectId, integrationId, channel);
  const settings = settingsOf(await getProject(db, projectId));
  const fallback = channel === 'sms' || channel === 'mms' ? settings.default_sms_integration_id : null;
  if (!fallback) {
    throw conflict('no_default_provider', `the project has no default ${channel} integration; name one in integration_id or set a default in the project settings`, 'integration_id');
  }
  return integrations.requireForChannel(projectId, fallback, channel, 'integration_id');
}

export interface MessageDraft {
  projectId: string;
  integration: IntegrationRuntime;
  campaignId: string | null;
  customerRef: string;
  customerId: string;
  channel: Channel;
  recipient: string;
  sender: string | null;
  body: string;
  parts: number;
  encoding: string;
  idempotencyKey: string | null;
}

export function messageRow(d: MessageDraft, now: number): MessagesTable {
  return {
    id: newId('msg'),
    project_id: d.projectId,
    integration_id: d.integration.id,
    campaign_id: d.campaignId,
    customer_ref: d.customerRef,
    customer_id: d.customerId,
    message_type: d.campaignId ? 'campaign' : 'transactional',
    channel: d.channel,
    recipient: d.recipient,
    sender: d.sender,
    body: d.body,
    parts: d.parts,
    encoding: d.encoding,
    status: 'queued',
    dispatch_state: 'queued',
    attempts: 0,
    next_attempt_at: now,
    deadline_at: now + d.integration.retryDeadlineSeconds * 1000,
    claimed_by: null,
    in_flight_at_crash: 0,
    provider_message_id: null,
    sent_at_us: null,
    expects_reports: expectsDeliveryReports(d.recipient) ? 1 : 0,
    last_error: null,
    idempotency_key: d.idempotencyKey,
    created_at: now,
    updated_at: now,
  };
}

export async function sendTransactional(
  db: DB,
  integrations: IntegrationService,
  queue: QueueSignal,
  projectId: string,
  input: SendInput,
  idempotencyKey: string | null,
): Promise<{ message: MessagesTable; replayed: boolean }> {
  const channel = input.channel ?? 'sms';
  if (channel !== 'sms') throw badRequest('channel_not_supported', `channel ${channel} is not available yet`, 'channel');
  checkBody(input.body);
  if (!input.customer_id && !input.phone) throw badRequest('invalid_request', 'give customer_id or phone', 'customer_id');
  if (idempotencyKey) {
    const prior = await db.selectFrom('messages').selectAll().where('project_id', '=', projectId).where('idempotency_key', '=', idempotencyKey).executeTakeFirst();
    if (prior) return { message: prior, replayed: true };
  }
  const phoneInput = input.phone ? normalizePhoneInput(input.phone, 'phone') : null;
  const integration = await resolveIntegration(db, integrations, projectId, channel, input.integration_id);
  const segments = countSegments(input.body);

  const message = await db.transaction().execute(async (trx) => {
    let customer;
    if (input.customer_id) {
      customer = await getCustomer(trx, projectId, input.customer_id);
    } else {
      customer = await customerByPhone(trx, projectId, phoneInput!);
    }
    const recipientRaw = phoneInput ?? customer.phone;
    if (!recipientRaw) throw badRequest('missing_phone', `customer ${customer.customer_id} has no phone number; give phone`, 'phone');
    const row = messageRow(
      {
        projectId,
        integration,
        campaignId: null,
        customerRef: customer.id,
        customerId: customer.customer_id,
        channel,
        recipient: recipientRaw,
        sender: input.sender ?? null,
        body: input.body,
        parts: segments.parts,
        encoding: segments.encoding,
        idempotencyKey,
      },
      Date.now(),
    );
    await trx.insertInto('messages').values(row).execute();
    return row;
  });
  queue.notify(integration.id);
  return { message, replayed: false };
}

export async function getMessage(db: DB, projectId: string, id: string): Promise<MessagesTable> {
  const m = await db.selectFrom('messages').selectAll().where('id', '=', id).where('project_id', '=', projectId).executeTakeFirst();
  if (!m) throw notFound('message', 'message_id');
  return m;
}

export function messageView(m: MessagesTable) {
  return {
    id: m.id,
    project_id: m.project_id,
    integration_id: m.integration_id,
    campaign_id: m.campaign_id,
    customer_id: m.customer_id,
    message_type: m.message_type,
    channel: m.channel,
    recipient: m.recipient,
    sender: m.sender,
    body: m.body,
    parts: m.parts,
    encoding: m.encoding,
    status: m.status,
    dispatch_state: m.dispatch_state,
    attempts: m.attempts,
    provider_message_id: m.provider_message_id,
    sent_timestamp: m.sent_at_us === null ? null : m.sent_at_us / 1e6,
    expects_delivery_reports: m.expects_reports === 1,
    possible_duplicate: m.in_flight_at_crash === 1,
    last_error: m.last_error ? (JSON.parse(m.last_error) as Record<string, unknown>) : null,
    created_at: new Date(m.created_at).toISOString(),
  };
}
