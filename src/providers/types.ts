// The contract between the core and a provider folder. Providers only translate: they build
// requests, classify responses, verify and parse webhooks. Queues, limits, retries, dedup, the
// status machine and events belong to the core.
import type { TObject, TSchema } from '@sinclair/typebox';
import type { Dispatcher } from 'undici';
import type { MessageContent } from '../core/content.js';
import type { SenderKind } from '../core/sender.js';
import type { Channel, DeliveryStatus } from '../core/status.js';
import type { adapters } from './registry.js';

/** The integration types this build knows: the registry's keys, so the list lives in one place. */
export type ProviderType = keyof typeof adapters;

export interface OutboundMessage {
  /** Our message id; providers echo it back (Sinch `client_reference`). */
  messageId: string;
  channel: Channel;
  /** E.164, with the leading "+". */
  to: string;
  /**
   * Sender from the sender profile or the request: a number, short code, alphanumeric id, a
   * Twilio Messaging Service SID (`MG…`), a WhatsApp/RCS sender; null for the provider's default.
   */
  from: string | null;
  /** SMS/MMS text; for WhatsApp/RCS the text of a text message (else ''). */
  body: string;
  /** Parts counted by the core's segment counter (1 for WhatsApp/RCS). */
  parts: number;
  /** MMS media URLs (at most 10). */
  media: string[];
  /** WhatsApp/RCS content; null for SMS/MMS. */
  content: MessageContent | null;
  /** Absolute URL of the integration's status webhook for this message, when the provider takes one per message. */
  statusCallbackUrl: string;
}

export interface SendContext<Config, Secrets> {
  config: Config;
  secrets: Secrets;
  /** Per-integration connection pool, so one slow integration cannot starve another. */
  pool: Dispatcher;
  /** Absolute URLs of the integration's webhooks, keyed by endpoint name. */
  webhookUrls: Record<string, string>;
  /** How long to wait for the provider's answer (headers, then body) before giving up. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * Whose problem a refusal or retry is, where the adapter knows better than the HTTP status:
 * `provider` (the provider or our account there: no message will go through, e.g. a wrong or
 * suspended credential, no balance) or `message` (this message: another may go through). Left
 * out, the core decides by status (dispatch/circuit-breaker.ts, docs/failover.md). A provider
 * fault counts towards the integration's circuit breaker; only those are failed over.
 */
export type SendFault = 'provider' | 'message';

export type SendResult =
  /** The provider accepted the message. */
  | { kind: 'accepted'; providerMessageId: string; parts?: number }
  /**
   * The provider refused it for good (4xx other than 429): record the refusal. `optedOut` when
   * the refusal says the recipient opted out (Twilio 21610): the core records the opt-out.
   * `statusCode` is null when the hub itself refused to connect (a provider address it may not
   * reach, see guarded-connector.ts): nothing was sent. `unreachable` when the refusal says the
   * recipient cannot be reached on this channel (a landline for SMS, say): the core may send the
   * message's next fallback channel (docs/fallback.md). Which codes mean that is the adapter's
   * data; the decision is the core's. `fault`: see SendFault.
   */
  | { kind: 'refused'; statusCode: number | null; error: string; comment: string; optedOut?: boolean; unreachable?: boolean; fault?: SendFault }
  /** Worth retrying (429, 5xx, no connection): the core backs off within its deadline. `fault`: see SendFault. */
  | { kind: 'retry'; statusCode: number | null; error: string; comment: string; retryAfterMs?: number; fault?: SendFault }
  /**
   * No answer to a request that was written, or may have been (a timeout, a connection lost
   * mid-request): the provider may have the message. The core neither counts it refused nor
   * simply resends it: it waits for proof (a report naming it, `findSent`), then resends
   * marked as a possible duplicate.
   */
  | { kind: 'unknown'; statusCode: null; error: string; comment: string };

/** What the provider's own records say of a message the hub sent without learning the outcome. */
export type FindResult =
  | { kind: 'found'; providerMessageId: string | null }
  | { kind: 'absent' }
  /** The lookup failed: nothing can be concluded. */
  | { kind: 'unknown'; error: string; comment: string };

/** The message `findSent` looks for: ours, sent to `to`, whose first unanswered attempt started at `sinceMs`. */
export interface SentQuery {
  messageId: string;
  to: string;
  sinceMs: number;
}

/** Why a credentials check failed, in terms a user can act on. */
export type VerifyFailureReason =
  /** The provider refused the credentials (401): a wrong key, secret or token, or one of another account. */
  | 'unauthorized'
  /** The credentials are valid but may not do this (403): another project, a restricted key, a blocked account. */
  | 'forbidden'
  /** The account, plan, project or app named in the config does not exist there (404), or the URL is wrong. */
  | 'not_found'
  /** The provider asks us to slow down (429): the credentials could not be checked now. */
  | 'rate_limited'
  /** No answer: DNS, connection refused, TLS, timeout. */
  | 'unreachable'
  /** The provider failed (5xx). */
  | 'provider_error'
  /** An answer the check cannot read: another status, or a 2xx that is not the provider's (a wrong base_url). */
  | 'unexpected_answer'
  /** The adapter has no way to check its credentials. */
  | 'not_supported';

/**
 * The outcome of checking an integration's credentials against its provider without sending a
 * message. `message` is for people and never holds a secret; `details` are small facts (the
 * provider's status and error code, what was found).
 */
export type VerifyCredentialsResult =
  | { ok: true; message: string; details?: Record<string, unknown> }
  | { ok: false; reason: VerifyFailureReason; message: string; details?: Record<string, unknown> };

export interface InboundWebhook {
  /** The endpoint's name, from `webhookEndpoints`. */
  endpoint: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
  /** The public URL the provider called, query included (for URL-signing schemes such as Twilio's). */
  publicUrl: string;
}

/** What the processor hands back to the adapter: a stored webhook. */
export interface StoredWebhook {
  endpoint: string;
  rawBody: Buffer;
  contentType: string | null;
  /** The query string the provider called with, without '?' ('' when none). */
  query: string;
}

export type VerifyResult =
  | { ok: true; replayKey?: { nonce: string; expiresAtMs: number } }
  | { ok: false; reason: string };

/** A provider's report about one of our outbound messages. */
export interface StatusUpdate {
  kind: 'status';
  /** How to find the message: our id when the provider echoes it, else the provider's ids. */
  messageId: string | null;
  providerMessageId: string | null;
  recipient: string | null;
  status: DeliveryStatus;
  /** The provider's own status word, e.g. `Dispatched`, kept for the record. */
  providerStatus: string;
  statusCode: number | null;
  error: string | null;
  comment: string | null;
  /** When the provider says it happened, if it says. */
  occurredAt: Date | null;
  /**
   * Set on a `failed`/`rejected` report whose reason says the recipient is not reachable on
   * this channel (not on WhatsApp, no RCS, outside the window): the core may send the message's
   * next fallback channel (docs/fallback.md). Absent: not known to mean that.
   */
  unreachable?: boolean;
}

export interface InboundMessage {
  kind: 'inbound';
  channel: Channel;
  /** The customer's number, E.164 with "+". */
  from: string;
  /** Our number / short code / sender id that received it. */
  to: string;
  text: string;
  media: { url: string; contentType: string | null }[];
  providerMessageId: string | null;
  occurredAt: Date | null;
}

/** A callback stored and acknowledged but with nothing to apply (e.g. a trigger we don't use). */
export interface IgnoredCallback {
  kind: 'ignored';
  reason: string;
}

/** The recipient opted out (or back in) at the provider, e.g. a Conversation API OPT_OUT notification. */
export interface ConsentUpdate {
  kind: 'consent';
  channel: Channel;
  /** The customer's number, E.164. */
  phone: string;
  optedOut: boolean;
  occurredAt: Date | null;
}

export type CanonicalUpdate = StatusUpdate | InboundMessage | IgnoredCallback | ConsentUpdate;

export interface WebhookEndpoint {
  /** Path segment after `/webhooks/{integration_id}/{token}/`. */
  name: string;
  /** Set on the endpoint the dispatcher hands to `OutboundMessage.statusCallbackUrl`. */
  statusCallback?: boolean;
  description: string;
  /** What the provider expects as a successful answer. */
  response?: { contentType: string; body: string };
}

/**
 * An adapter whatever its config and secrets types: what the registry and the core hold, since
 * they pass each adapter only the config and secrets its own schemas validated.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- erased on purpose, see above
export type AnyAdapter = ProviderAdapter<any, any>;

export interface ProviderAdapter<Config = unknown, Secrets = unknown> {
  type: ProviderType;
  displayName: string;
  channels: readonly Channel[];
  /** Which senders (core/sender.ts kinds) the provider takes on each of its channels; none: it takes no sender there. */
  senders: Readonly<Partial<Record<Channel, readonly SenderKind[]>>>;
  /** TypeBox schemas of the non-secret config and the write-only secrets. */
  configSchema: TSchema;
  /** An object schema: its property names are also the fields the logger redacts. */
  secretsSchema: TObject;
  /** Request headers that carry credentials or signatures, lower-case, redacted from logs. */
  redactHeaders: readonly string[];
  webhookEndpoints: readonly WebhookEndpoint[];
  send(ctx: SendContext<Config, Secrets>, message: OutboundMessage): Promise<SendResult>;
  /**
   * Where the provider can be asked whether it took a message, by the reference the hub put on
   * it: after an attempt whose outcome was unknown, the core asks before sending again.
   * Providers that cannot be asked leave it out; their reports still prove acceptance.
   */
  findSent?(ctx: SendContext<Config, Secrets>, query: SentQuery): Promise<FindResult>;
  /**
   * Checks the configured credentials with a cheap authenticated read (never a send). The core
   * builds `ctx` as for a send and records the result on the integration. Adapters without a
   * way to check leave it out.
   */
  verify?(ctx: SendContext<Config, Secrets>): Promise<VerifyCredentialsResult>;
  /** Authenticates a webhook on its raw bytes. The URL token has been checked by the core. */
  verifyWebhook(secrets: Secrets, hook: InboundWebhook, nowMs: number): VerifyResult;
  /** Turns a stored raw webhook into canonical updates. Throws on a body it cannot read. */
  parseWebhook(hook: StoredWebhook): CanonicalUpdate[];
}
