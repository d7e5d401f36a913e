// The public shapes of the Sinch Conversation sandbox: its options (projects, apps, delays), what
// it records (messages, reports, tokens) and the handle createSinchConversationSandbox returns.
// Its own module so auth.ts, delivery.ts and inbound.ts share them without importing the server.
import type { Sandbox, SandboxOptions } from '../kit/server.js';
import type { CallbackAttempt } from './callbacks.js';
import type { ReportStatus, TestNumberBehaviour } from './test-numbers.js';
import type { SendRequest } from './validate.js';

export type SandboxChannel = 'WHATSAPP' | 'RCS' | 'SMS';

export interface SandboxTemplate {
  /** Omni template id, or the channel template's name (WhatsApp). */
  id: string;
  /** When set, a reference with another language code fails with TEMPLATE_NON_EXISTING_LANGUAGE_OR_VERSION. */
  language_code?: string;
}

export interface SandboxApp {
  appId: string;
  /** Get App's `display_name` (default: the app id). */
  displayName?: string;
  /** Channels configured on the app; others in `channel_priority_order` answer 400. */
  channels: SandboxChannel[];
  /** The app's webhook target (all triggers). No URL: no callbacks. */
  webhookUrl?: string;
  /** The webhook's `secret`: callbacks carry x-sinch-webhook-signature headers when set. */
  webhookSecret?: string;
  /** Known templates. Unset: every template reference is accepted and delivered. */
  templates?: SandboxTemplate[];
}

export interface SandboxProject {
  projectId: string;
  /** Access key id (OAuth2 client id) and secret. */
  accessKey: string;
  accessSecret: string;
  apps: SandboxApp[];
}

export interface Delays {
  /** From acceptance to QUEUED_ON_CHANNEL. */
  queuedMs: number;
  /** From acceptance to DELIVERED (or a FAILED after QUEUED_ON_CHANNEL). */
  deliveredMs: number;
  /** From acceptance to READ. */
  readMs: number;
}

/** `ratePerSecond` counts `messages:send` requests per project; `historyLimit` also bounds the tokens kept. */
export interface SinchConversationSandboxOptions extends SandboxOptions {
  projects: SandboxProject[];
  /** Lifetime of issued access tokens (default 3600, as Sinch). */
  tokenTtlSeconds?: number;
  /** Callback delays (default 200 / 800 / 1500 ms); test number …0001 multiplies them by 10. */
  delays?: Partial<Delays>;
  /** Callback tries in all, the first included (default 6). */
  maxCallbackAttempts?: number;
}

export interface IssuedToken {
  projectId: string;
  accessKey: string;
  token: string;
  issuedAtMs: number;
  expiresAtMs: number;
  revoked: boolean;
}

export interface SentReport {
  status: ReportStatus;
  reason?: string;
  channel: string;
  /** When the callback left (or would have left, for silent numbers). */
  at: string;
}

export interface SandboxMessage {
  projectId: string;
  appId: string;
  /** The `message_id` answered. */
  messageId: string;
  acceptedTime: string;
  /** The validated request and the raw body. */
  request: SendRequest;
  body: string;
  /** The channel tried first and the identity on it. */
  channel: string;
  identity: string;
  behaviour: TestNumberBehaviour;
  /** The furthest status reached so far (`QUEUED` until the first report). */
  status: ReportStatus | 'QUEUED';
  reports: SentReport[];
}

export interface InjectInboundOptions {
  appId: string;
  channel: SandboxChannel;
  /** The customer's number, with or without "+". */
  from: string;
  text?: string;
  mediaUrl?: string;
  /** Overrides the app's webhook URL. */
  url?: string;
}

export interface InjectConsentOptions {
  appId: string;
  channel: SandboxChannel;
  identity: string;
  optedOut: boolean;
  url?: string;
}

export interface InjectResult {
  /** HTTP status of the webhook's first answer; 0 when it could not be reached. */
  status: number;
  /** The inbound message id (or the opt-in/out request id). */
  id: string;
  error?: string;
}

/** Its `url` is both the integration's `base_url` and its auth host. */
export interface SinchConversationSandbox extends Sandbox {
  /** Accepted messages with their state and the reports sent. */
  readonly messages: readonly SandboxMessage[];
  /** Every callback attempt made. */
  readonly callbacks: readonly CallbackAttempt[];
  /** Every access token issued by POST /oauth2/token. */
  readonly tokensIssued: readonly IssuedToken[];
  /** POSTs a signed MESSAGE_INBOUND callback (a customer's reply) to the app's webhook. */
  injectInbound(opts: InjectInboundOptions): Promise<InjectResult>;
  /** POSTs a signed OPT_OUT / OPT_IN callback to the app's webhook. */
  injectConsent(opts: InjectConsentOptions): Promise<InjectResult>;
  /** Revokes every token issued so far: their next use answers 401 (expired), as after a key rotation. */
  revokeTokens(): void;
}
