// Table types for Kysely. Times are integer epoch milliseconds (portable across SQLite and
// PostgreSQL); JSON is stored as text; booleans as 0/1.
import type { Generated } from 'kysely';
import type { Channel, DeliveryStatus } from '../core/status.js';
import type { MessageStatus } from '../messages/status.js';
import type { ProviderType } from '../providers/types.js';

export interface ProjectsTable {
  id: string;
  name: string;
  default_sms_integration_id: string | null;
  default_whatsapp_integration_id: string | null;
  default_rcs_integration_id: string | null;
  /** Identifies the project in the direct-send ingest URL; rotatable. */
  app_key: string;
  /** Sealed secret that signs direct-send ingest callbacks, if the project set one. */
  ingest_signing_secret: string | null;
  /** JSON: ProjectSettings minus the default integrations. */
  settings: string;
  created_at: number;
  updated_at: number;
}

export interface ApiKeysTable {
  id: string;
  project_id: string;
  name: string;
  key_hash: string;
  created_at: number;
  revoked_at: number | null;
}

export interface IntegrationsTable {
  id: string;
  project_id: string;
  provider: ProviderType;
  name: string;
  config: string;
  /** Sealed JSON of the provider secrets. */
  secrets: string;
  /** Sealed token that authenticates the integration's webhook URLs. */
  webhook_token: string;
  rate_limit: number | null;
  max_concurrency: number;
  /** How long a send waits for the provider's answer before its outcome counts as unknown. */
  send_timeout_ms: number;
  retry_deadline_seconds: number;
  /** When the credentials were last checked against the provider (POST …/verify); null: never. */
  last_verified_at: number | null;
  /** JSON of that check's result (`ok`, `reason`, `message`, `details`); never holds a secret. */
  last_verify_result: string | null;
  deleted_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface CustomersTable {
  id: string;
  project_id: string;
  customer_id: string;
  phone: string | null;
  /** ISO 3166 country of the phone, kept so sends need not parse the number again. */
  country: string | null;
  attributes: string;
  /** How the profile came to be: api, send (to a bare number), inbound, direct_ingest. */
  origin: CustomerOrigin;
  created_at: number;
  updated_at: number;
}

export type CustomerOrigin = 'api' | 'send' | 'inbound' | 'direct_ingest';

/** Messages sent straight through Sinch, known only from their delivery receipts. */
export interface DirectDeliveriesTable {
  project_id: string;
  batch_id: string;
  recipient: string;
  customer_ref: string;
  category: string | null;
  status: DeliveryStatus;
  updated_at: number;
}

/** Direct-send ingest callbacks refused for want of a customer id, for the project to read. */
export interface IngestRejectionsTable {
  id: Generated<number>;
  project_id: string;
  reason: string;
  client_reference: string | null;
  batch_id: string | null;
  /** The start of the body, for diagnosis. */
  body: string;
  received_at: number;
}

export interface SenderProfilesTable {
  id: string;
  project_id: string;
  name: string;
  channel: Channel;
  integration_id: string;
  /** Number, short code, alphanumeric id, Messaging Service SID (MG…), WhatsApp/RCS sender; null = the provider's default. */
  sender: string | null;
  /** 1 for the channel's default profile (at most one per project and channel). */
  is_default: number;
  deleted_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface ConsentsTable {
  project_id: string;
  customer_ref: string;
  channel: Channel;
  opted_out: number;
  updated_at: number;
}

/** The audit trail of consent: every opt-out and opt-in, when and how. */
export interface ConsentLogTable {
  id: Generated<number>;
  project_id: string;
  customer_ref: string;
  channel: Channel;
  action: 'opt_out' | 'opt_in';
  /** keyword, api, provider_error, provider_notification */
  source: string;
  /** E.g. the keyword, the provider error code, the integration. */
  detail: string | null;
  created_at: number;
}

export type MissingVariablePolicy = 'default' | 'skip';

/**
 * draft → (scheduled →) launching → launched; launching and launched may be paused (and
 * resumed); any state before launched-and-done may be cancelled. See docs/scheduling.md.
 */
export type CampaignState = 'draft' | 'scheduled' | 'launching' | 'launched' | 'paused' | 'cancelled';

export interface CampaignsTable {
  id: string;
  project_id: string;
  name: string;
  channel: Channel;
  body: string;
  /** JSON MessageContent (WhatsApp/RCS) or null. */
  content: string | null;
  /** JSON array of MMS media URLs, or null. */
  media: string | null;
  sender_profile_id: string | null;
  integration_id: string | null;
  sender: string | null;
  /** 1/0 to track links whatever the project says; null follows the project setting. */
  track_links: number | null;
  /** JSON: how the audience is defined, {"kind":"ids"} (rows in campaign_audience) or {"kind":"filter","filter":…}. */
  audience: string;
  /** Ids: how many distinct ids the list holds. Filter: how many customers matched at create, then at launch. */
  audience_size: number;
  state: CampaignState;
  /** JSON: counts of the fan-out (queued, skipped by reason). */
  launch_summary: string | null;
  /** A recipient missing a template variable: `default` renders it empty, `skip` leaves them out. */
  missing_variable_policy: MissingVariablePolicy;
  /** When a scheduled campaign launches (ms); null: launched by hand. */
  send_at: number | null;
  /** How many queued messages a cancel took off the queue; null until cancelled. */
  cancelled_messages: number | null;
  /** JSON: the fallback channels as given (docs/fallback.md), resolved at launch; null: none. */
  fallback_channels: string | null;
  /** The text the fallbacks send, a template like the body; null: each message's own text. */
  fallback_body: string | null;
  created_at: number;
  launched_at: number | null;
  updated_at: number;
}

/** `paused`: queued, but its campaign is paused: the dispatcher does not claim it. */
export type DispatchState = 'queued' | 'paused' | 'sending' | 'done' | 'cancelled';

export interface MessagesTable {
  id: string;
  project_id: string;
  integration_id: string;
  campaign_id: string | null;
  customer_ref: string;
  customer_id: string;
  message_type: 'campaign' | 'transactional';
  channel: Channel;
  recipient: string;
  sender: string | null;
  sender_profile_id: string | null;
  body: string;
  /** JSON MessageContent (WhatsApp/RCS) or null. */
  content: string | null;
  /** JSON array of MMS media URLs, or null. */
  media: string | null;
  parts: number;
  encoding: string;
  status: MessageStatus;
  dispatch_state: DispatchState;
  attempts: number;
  next_attempt_at: number;
  deadline_at: number;
  claimed_by: string | null;
  /**
   * 1 when a request for this message was written while the outcome of an earlier one was
   * unknown (a timeout, a lost connection, a crash): the provider may have it twice.
   */
  possible_duplicate: number;
  /** When the current attempt's request was about to be written (ms); null between attempts. */
  request_started_at: number | null;
  /**
   * When the earliest attempt whose outcome is unknown started (ms): the provider may have the
   * message. Null once it is known to (accepted) or when no attempt was left unanswered.
   */
  unconfirmed_since: number | null;
  provider_message_id: string | null;
  /** Microseconds since the epoch when handed to the provider. */
  sent_at_us: number | null;
  expects_reports: number;
  /** JSON {status_code, error, comment} of the last failed attempt. */
  last_error: string | null;
  idempotency_key: string | null;
  /** The fingerprint of the request the idempotency key came with (core/fingerprint.ts). */
  idempotency_fingerprint: string | null;
  /** 1 for a keyword auto-response: it goes out even to a customer who just opted out. */
  auto_reply: number;
  /** The message this one falls back from (docs/fallback.md); at most one message per id. */
  fallback_of: string | null;
  /** JSON FallbackPlan (messages/fallback.ts): the channels to try next, and their content. */
  fallback_plan: string | null;
  /** JSON [{channel, reason}]: fallback channels passed over (the customer opted out of them). */
  fallback_skipped: string | null;
  /** The message sent as this one's fallback, once it is queued. */
  fallback_message_id: string | null;
  created_at: number;
  updated_at: number;
}

/** What came of one send attempt, or that the message moved to another integration (docs/failover.md). */
export type AttemptOutcome = 'accepted' | 'retry' | 'refused' | 'unknown' | 'rerouted';

/** Each send attempt of a message with its integration, and each failover move (docs/failover.md). */
export interface MessageAttemptsTable {
  id: Generated<number>;
  message_id: string;
  /** The integration the attempt went through (for `rerouted`: the one the message left). */
  integration_id: string;
  /** Epoch ms: when the request went out, or when the message was moved. */
  at: number;
  outcome: AttemptOutcome;
  /** The provider's HTTP status; null without an answer (or for a move). */
  status_code: number | null;
  /** The provider's error code, ours (a network failure), or why the message moved (`circuit_open`). */
  error: string | null;
}

export interface EventsTable {
  id: Generated<number>;
  project_id: string;
  customer_ref: string;
  customer_id: string;
  name: string;
  status: string;
  /** Epoch ms of what happened (provider time when it says). */
  timestamp: number;
  properties: string;
  message_id: string | null;
  campaign_id: string | null;
  /** Makes each status of a message, and each inbound message, recorded once. */
  dedup_key: string | null;
  created_at: number;
}

/** `webhook`: an integration's webhook; `ingest_sinch`: a direct-send delivery receipt. */
export type CallbackSource = 'webhook' | 'ingest_sinch';

export interface CallbacksTable {
  id: Generated<number>;
  project_id: string;
  source: CallbackSource;
  /** The integration whose webhook was called; null for direct-send ingest. */
  integration_id: string | null;
  endpoint: string;
  /** The query string of the call, without '?'. */
  query: string;
  content_type: string | null;
  body: Buffer;
  body_hash: string;
  received_at: number;
  processed_at: number | null;
  /** Set while the report waits for its message's send outcome to be written. */
  defer_until: number | null;
  /** What processing made of it: applied, duplicate, unmatched, late, ignored, error: … */
  outcome: string | null;
}

/** Tracked short links: one per URL per message. */
export interface LinksTable {
  code: string;
  project_id: string;
  message_id: string;
  url: string;
  created_at: number;
}

export interface SignedNoncesTable {
  source: CallbackSource;
  /** Whose secret signed it: the integration (webhooks) or the project (direct-send ingest). */
  signer_id: string;
  nonce: string;
  expires_at: number;
}

/** A console sign-in (api/v1/session.ts): the hash of the cookie's token and the key behind it. */
export interface ConsoleSessionsTable {
  token_hash: string;
  role: 'admin' | 'project';
  project_id: string | null;
  key_id: string | null;
  /** For admin sessions: the admin token's hash then, so a changed admin token ends them. */
  admin_token_hash: string | null;
  created_at: number;
  expires_at: number;
}

export type ImportFormat = 'csv' | 'ndjson';
export type ImportState = 'queued' | 'running' | 'done' | 'failed';

/** A bulk import of customers; the checkpoint (line, bytes_processed) moves with each committed batch. */
export interface ImportsTable {
  id: string;
  project_id: string;
  format: ImportFormat;
  state: ImportState;
  /** The uploaded file's name in the data folder's imports/ (deleted once the import ends). */
  file: string;
  /** JSON: the CSV header's column specs (null for NDJSON). */
  columns: string | null;
  bytes_total: number;
  /** Where the next batch starts in the file: everything before it is committed. */
  bytes_processed: number;
  /** The last line of the file the committed batches covered. */
  line: number;
  /** Known once the import is done. */
  rows_total: number | null;
  rows_processed: number;
  rows_created: number;
  rows_updated: number;
  rows_failed: number;
  /** Why the import failed as a whole (state failed). */
  error: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  updated_at: number;
}

export interface ImportErrorsTable {
  id: Generated<number>;
  import_id: string;
  line: number;
  field: string | null;
  code: string;
  message: string;
}

/** A campaign's audience given as a list of customer ids: one row per distinct id. */
export interface CampaignAudienceTable {
  campaign_id: string;
  customer_id: string;
}

export interface Database {
  projects: ProjectsTable;
  api_keys: ApiKeysTable;
  integrations: IntegrationsTable;
  customers: CustomersTable;
  campaigns: CampaignsTable;
  campaign_audience: CampaignAudienceTable;
  messages: MessagesTable;
  message_attempts: MessageAttemptsTable;
  events: EventsTable;
  callbacks: CallbacksTable;
  signed_nonces: SignedNoncesTable;
  sender_profiles: SenderProfilesTable;
  consents: ConsentsTable;
  consent_log: ConsentLogTable;
  direct_deliveries: DirectDeliveriesTable;
  links: LinksTable;
  ingest_rejections: IngestRejectionsTable;
  console_sessions: ConsoleSessionsTable;
  imports: ImportsTable;
  import_errors: ImportErrorsTable;
}
