// Integration config and secrets for Twilio Programmable Messaging (docs/providers/twilio.md C.1, C.3, C.7).
// The core validates stored integrations against these schemas; `secrets` are write-only.
import { Type, type Static } from '@sinclair/typebox';
import { ProviderUrl } from '../provider-url.js';

/** Twilio's REST API host (the spec's `servers` entry). */
export const TWILIO_API_BASE_URL = 'https://api.twilio.com';

export const ACCOUNT_SID_PATTERN = '^AC[0-9a-fA-F]{32}$';
export const API_KEY_SID_PATTERN = '^SK[0-9a-fA-F]{32}$';
export const MESSAGING_SERVICE_SID_PATTERN = '^MG[0-9a-fA-F]{32}$';

export const TwilioConfigSchema = Type.Object(
  {
    // Goes into the URL path; the pattern keeps it URL-safe.
    account_sid: Type.String({ pattern: ACCOUNT_SID_PATTERN, title: 'Account SID', description: 'Account SID (AC…), used in the API path' }),
    base_url: Type.Optional(ProviderUrl(`Overrides ${TWILIO_API_BASE_URL} (proxies, sandboxes, tests)`, 'Base URL')),
  },
  { additionalProperties: false },
);

export const TwilioSecretsSchema = Type.Object(
  {
    // Twilio signs webhooks with the account's Auth Token, never with an API key (C.7).
    auth_token: Type.String({ minLength: 1, title: 'Auth Token', description: 'Validates X-Twilio-Signature on webhooks' }),
    // Sends authenticate with an API key (C.3), so the Auth Token can be rotated independently.
    api_key_sid: Type.String({ pattern: API_KEY_SID_PATTERN, title: 'API Key SID', description: 'API Key SID (SK…): HTTP Basic username' }),
    api_key_secret: Type.String({ minLength: 1, title: 'API Key Secret', description: 'HTTP Basic password of the API key' }),
  },
  { additionalProperties: false },
);

export type TwilioConfig = Static<typeof TwilioConfigSchema>;
export type TwilioSecrets = Static<typeof TwilioSecretsSchema>;

/** The API root to call: `base_url` when set (trailing slashes dropped), else api.twilio.com. */
export function resolveBaseUrl(config: Pick<TwilioConfig, 'base_url'>): string {
  if (config.base_url) return config.base_url.replace(/\/+$/, '');
  return TWILIO_API_BASE_URL;
}

/** `POST` target of the Create Message operation (C.1). */
export function messagesUrl(config: TwilioConfig): string {
  return `${resolveBaseUrl(config)}/2010-04-01/Accounts/${encodeURIComponent(config.account_sid)}/Messages.json`;
}

const MESSAGING_SERVICE_SID = new RegExp(MESSAGING_SERVICE_SID_PATTERN);

/** True for a Messaging Service SID (`MG` + 32 hex), which goes in `MessagingServiceSid`, not `From`. */
export function isMessagingServiceSid(value: string): boolean {
  return MESSAGING_SERVICE_SID.test(value);
}
