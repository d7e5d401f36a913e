// The contract between the core and a provider folder. Providers only translate: they build
// requests, classify responses, verify and parse webhooks. Queues, limits, retries, dedup, the
// status machine and events belong to the core.
import type { TSchema } from '@sinclair/typebox';
import type { Dispatcher } from 'undici';
import type { Channel, DeliveryStatus } from '../core/status.js';

export type ProviderType = 'sinch_sms' | 'sinch_conversation' | 'twilio' | 'cm';

export interface OutboundMessage {
  /** Our message id; providers echo it back (Sinch `client_reference`). */
  messageId: string;
  channel: Channel;
  /** E.164, with the leading "+". */
  to: string;
  /** Sender id (number, short code, alphanumeric) or null for the provider's default. */
  from: string | null;
  body: string;
  /** Parts counted by the core's segment counter. */
  parts: number;
}

export interface SendContext<Config, Secrets> {
  config: Config;
  secrets: Secrets;
  /** Per-integration connection pool, so one slow integration cannot starve another. */
  dispatcher: Dispatcher;
  /** Absolute URLs of the integration's webhooks, keyed by route name. */
  webhookUrls: Record<string, string>;
  signal?: AbortSignal;
}

export type SendResult =
  /** The provider accepted the message. */
  | { kind: 'accepted'; providerMessageId: string; parts?: number }
  /** The provider refused it for good (4xx other than 429): record the refusal. */
  | { kind: 'refused'; statusCode: number; error: string; comment: string }
  /** Worth retrying (429, 5xx, network): the core backs off within its deadline. */
  | { kind: 'retry'; statusCode: number | null; error: string; comment: string; retryAfterMs?: number };

export interface InboundWebhook {
  /** The route name from `webhookRoutes`. */
  route: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
  /** The public URL the provider called (for URL-signing schemes such as Twilio's). */
  publicUrl: string;
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

export type CanonicalUpdate = StatusUpdate | InboundMessage | IgnoredCallback;

export interface WebhookRoute {
  /** Path segment after `/webhooks/{integration_id}/{token}/`. */
  name: string;
  description: string;
  /** What the provider expects as a successful answer. */
  response?: { contentType: string; body: string };
}

export interface ProviderAdapter<Config = unknown, Secrets = unknown> {
  type: ProviderType;
  displayName: string;
  channels: readonly Channel[];
  /** TypeBox schemas of the non-secret config and the write-only secrets. */
  configSchema: TSchema;
  secretsSchema: TSchema;
  webhookRoutes: readonly WebhookRoute[];
  send(ctx: SendContext<Config, Secrets>, message: OutboundMessage): Promise<SendResult>;
  /** Authenticates a webhook on its raw bytes. The URL token has been checked by the core. */
  verifyWebhook(secrets: Secrets, hook: InboundWebhook, nowMs: number): VerifyResult;
  /** Turns a stored raw webhook into canonical updates. Throws on a body it cannot read. */
  parseWebhook(route: string, rawBody: Buffer, contentType: string | null): CanonicalUpdate[];
}
