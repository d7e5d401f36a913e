// Integration config and secrets for the Sinch Conversation API (docs/providers/sinch-conversation.md B.1, B.2).
// The core validates stored integrations against these schemas; `secrets` are write-only.
import { Type, type Static } from '@sinclair/typebox';
import { ProviderUrl } from '../provider-url.js';

export const SINCH_CONVERSATION_REGIONS = ['eu', 'us', 'br'] as const;
export type SinchConversationRegion = (typeof SINCH_CONVERSATION_REGIONS)[number];

/** The global OAuth2 token endpoint (B.2); it serves every region. */
export const DEFAULT_AUTH_URL = 'https://auth.sinch.com/oauth2/token';

export const SinchConversationConfigSchema = Type.Object(
  {
    project_id: Type.String({ minLength: 1, maxLength: 128, title: 'Project ID', description: 'Sinch project id (goes into the API path)' }),
    app_id: Type.String({ minLength: 1, maxLength: 128, title: 'App ID', description: 'Conversation API app that sends the messages' }),
    region: Type.Optional(
      Type.Union(
        SINCH_CONVERSATION_REGIONS.map((r) => Type.Literal(r)),
        { default: 'eu', title: 'Region', description: 'Region the app was created in; a mismatch gives 404' },
      ),
    ),
    base_url: Type.Optional(ProviderUrl('Overrides https://{region}.conversation.api.sinch.com (proxies, sandboxes, tests)', 'Base URL')),
    auth_url: Type.Optional(ProviderUrl(`Overrides the OAuth2 token endpoint ${DEFAULT_AUTH_URL}`, 'Auth URL')),
  },
  { additionalProperties: false },
);

export const SinchConversationSecretsSchema = Type.Object(
  {
    /** Access key id of the project (the OAuth2 client id). */
    access_key: Type.String({ minLength: 1, title: 'Access Key', description: 'Access key id of the Sinch project (Settings > Access Keys)' }),
    access_secret: Type.String({ minLength: 1, title: 'Access Secret', description: 'Shown once by Sinch when the access key is created' }),
    /** The webhook's `secret` (B.6, B.7). Unset or empty: callbacks are not signature-checked. */
    webhook_signing_secret: Type.Optional(Type.String({ title: 'Webhook secret', description: 'The secret set on the app\'s webhook; empty: callbacks are not signature-checked' })),
  },
  { additionalProperties: false },
);

export type SinchConversationConfig = Static<typeof SinchConversationConfigSchema>;
export type SinchConversationSecrets = Static<typeof SinchConversationSecretsSchema>;

export function regionBaseUrl(region: SinchConversationRegion): string {
  return `https://${region}.conversation.api.sinch.com`;
}

/** The API root: `base_url` when set (trailing slashes dropped), else the region host. */
export function resolveBaseUrl(config: Pick<SinchConversationConfig, 'region' | 'base_url'>): string {
  if (config.base_url) return config.base_url.replace(/\/+$/, '');
  return regionBaseUrl(config.region ?? 'eu');
}

/** The full token endpoint URL: `auth_url` as given, else the global endpoint. */
export function resolveAuthUrl(config: Pick<SinchConversationConfig, 'auth_url'>): string {
  return config.auth_url ?? DEFAULT_AUTH_URL;
}
