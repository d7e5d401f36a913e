// Rows for repository and service tests (not a test file itself): complete rows with
// defaults, so each test states only the columns it is about.
import type { DB } from './db.js';
import * as eventStore from './events.js';
import * as messageStore from './messages.js';
import type { NewCallback } from './callbacks.js';
import type {
  CampaignsTable,
  ConsentLogTable,
  CustomersTable,
  DirectDeliveriesTable,
  EventsTable,
  IngestRejectionsTable,
  IntegrationsTable,
  MessagesTable,
  ProjectsTable,
  SenderProfilesTable,
} from './schema.js';

export function projectRow(id: string, over: Partial<ProjectsTable> = {}): ProjectsTable {
  return {
    id,
    name: `Project ${id}`,
    default_sms_integration_id: null,
    default_whatsapp_integration_id: null,
    default_rcs_integration_id: null,
    app_key: `ak_${id}`,
    ingest_signing_secret: null,
    settings: '{}',
    created_at: 1000,
    updated_at: 1000,
    ...over,
  };
}

export function integrationRow(id: string, projectId: string, over: Partial<IntegrationsTable> = {}): IntegrationsTable {
  return {
    id,
    project_id: projectId,
    provider: 'sinch_sms',
    name: `Integration ${id}`,
    config: '{}',
    secrets: 'sealed-secrets',
    webhook_token: 'sealed-token',
    rate_limit: 30,
    max_concurrency: 32,
    send_timeout_ms: 15_000,
    retry_deadline_seconds: 3600,
    last_verified_at: null,
    last_verify_result: null,
    deleted_at: null,
    created_at: 1000,
    updated_at: 1000,
    ...over,
  };
}

export function customerRow(id: string, projectId: string, over: Partial<CustomersTable> = {}): CustomersTable {
  return {
    id,
    project_id: projectId,
    customer_id: `ext_${id}`,
    phone: null,
    country: null,
    attributes: '{}',
    origin: 'api',
    created_at: 1000,
    updated_at: 1000,
    ...over,
  };
}

export function senderProfileRow(id: string, projectId: string, integrationId: string, over: Partial<SenderProfilesTable> = {}): SenderProfilesTable {
  return {
    id,
    project_id: projectId,
    name: `Profile ${id}`,
    channel: 'sms',
    integration_id: integrationId,
    sender: null,
    is_default: 0,
    deleted_at: null,
    created_at: 1000,
    updated_at: 1000,
    ...over,
  };
}

export function campaignRow(id: string, projectId: string, over: Partial<CampaignsTable> = {}): CampaignsTable {
  return {
    id,
    project_id: projectId,
    name: `Campaign ${id}`,
    channel: 'sms',
    body: 'Hello',
    content: null,
    media: null,
    sender_profile_id: null,
    integration_id: null,
    sender: null,
    track_links: null,
    audience: '{"kind":"ids"}',
    audience_size: 1,
    state: 'draft',
    launch_summary: null,
    missing_variable_policy: 'default',
    send_at: null,
    cancelled_messages: null,
    fallback_channels: null,
    fallback_body: null,
    created_at: 1000,
    launched_at: null,
    updated_at: 1000,
    ...over,
  };
}

export function messageRow(id: string, over: Partial<MessagesTable> = {}): MessagesTable {
  return {
    id,
    project_id: 'prj_1',
    integration_id: 'int_1',
    campaign_id: null,
    customer_ref: 'cus_1',
    customer_id: 'ext_cus_1',
    message_type: 'transactional',
    channel: 'sms',
    recipient: '+12025550100',
    sender: null,
    sender_profile_id: null,
    body: `Body of ${id}`,
    content: null,
    media: null,
    parts: 1,
    encoding: 'GSM-7',
    status: 'pending',
    dispatch_state: 'queued',
    attempts: 0,
    next_attempt_at: 1000,
    deadline_at: 9_999_999,
    claimed_by: null,
    possible_duplicate: 0,
    request_started_at: null,
    unconfirmed_since: null,
    provider_message_id: null,
    sent_at_us: null,
    expects_reports: 1,
    last_error: null,
    idempotency_key: null,
    idempotency_fingerprint: null,
    auto_reply: 0,
    fallback_of: null,
    fallback_plan: null,
    fallback_skipped: null,
    fallback_message_id: null,
    created_at: 1000,
    updated_at: 1000,
    ...over,
  };
}

export function eventRow(over: Partial<Omit<EventsTable, 'id'>> = {}): Omit<EventsTable, 'id'> {
  return {
    project_id: 'prj_1',
    customer_ref: 'cus_1',
    customer_id: 'ext_cus_1',
    name: 'SMS',
    status: 'delivered',
    timestamp: 1000,
    properties: '{}',
    message_id: null,
    campaign_id: null,
    dedup_key: null,
    created_at: 1000,
    ...over,
  };
}

let callbackRows = 0;

export function callbackRow(over: Partial<NewCallback> = {}): NewCallback {
  return {
    project_id: 'prj_1',
    source: 'webhook',
    integration_id: 'int_1',
    endpoint: 'status',
    query: '',
    content_type: 'application/json',
    body: Buffer.from('{}'),
    // Unique unless a test sets it: the store keeps one callback per content and source.
    body_hash: `hash-${++callbackRows}`,
    received_at: 1000,
    ...over,
  };
}

export function consentLogRow(over: Partial<Omit<ConsentLogTable, 'id'>> = {}): Omit<ConsentLogTable, 'id'> {
  return {
    project_id: 'prj_1',
    customer_ref: 'cus_1',
    channel: 'sms',
    action: 'opt_out',
    source: 'keyword',
    detail: null,
    created_at: 1000,
    ...over,
  };
}

export function directDeliveryRow(batchId: string, recipient: string, over: Partial<DirectDeliveriesTable> = {}): DirectDeliveriesTable {
  return {
    project_id: 'prj_1',
    batch_id: batchId,
    recipient,
    customer_ref: 'cus_1',
    category: null,
    status: 'sent',
    updated_at: 1000,
    ...over,
  };
}

export function ingestRejectionRow(over: Partial<Omit<IngestRejectionsTable, 'id'>> = {}): Omit<IngestRejectionsTable, 'id'> {
  return {
    project_id: 'prj_1',
    reason: 'no_client_reference',
    client_reference: null,
    batch_id: null,
    body: '{}',
    received_at: 1000,
    ...over,
  };
}

/**
 * Seeds messages and events for tests of repositories that read them (conversations, links,
 * campaign counts); the message pipeline's own repositories write them in the hub.
 */
export async function seedMessages(db: DB, rows: MessagesTable[]): Promise<void> {
  for (const row of rows) await messageStore.insert(db, row);
}

export async function seedEvents(db: DB, rows: Omit<EventsTable, 'id'>[]): Promise<void> {
  for (const row of rows) await eventStore.insert(db, row);
}
