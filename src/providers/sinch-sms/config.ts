// Integration config and secrets for Sinch SMS (docs/providers/sinch-sms.md A.1, A.2). The core validates
// stored integrations against these schemas; `secrets` are write-only and never echoed.
import { Type, type Static } from '@sinclair/typebox';
import { ProviderUrl } from '../provider-url.js';

export const SINCH_SMS_REGIONS = ['us', 'eu', 'au', 'br', 'ca'] as const;
export type SinchSmsRegion = (typeof SINCH_SMS_REGIONS)[number];

export const SinchSmsConfigSchema = Type.Object(
  {
    // Goes into the URL path, so only URL-safe characters are accepted.
    service_plan_id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', title: 'Service plan ID', description: 'From the Sinch dashboard: SMS > APIs; letters, digits, _ and -' }),
    region: Type.Optional(
      Type.Union(
        SINCH_SMS_REGIONS.map((r) => Type.Literal(r)),
        { default: 'us', title: 'Region', description: 'Sinch SMS region; the API token works in every region' },
      ),
    ),
    base_url: Type.Optional(ProviderUrl('Overrides the region host (proxies, sandboxes, tests)', 'Base URL')),
    default_sender: Type.Optional(
      Type.String({ minLength: 1, title: 'Default sender', description: 'Used when a message names no sender; omitted when unset' }),
    ),
  },
  { additionalProperties: false },
);

export const SinchSmsSecretsSchema = Type.Object(
  {
    api_token: Type.String({ minLength: 1, title: 'API token', description: 'The service plan\'s API token (SMS > APIs in the Sinch dashboard)' }),
    // Only for accounts whose callbacks carry x-sinch-webhook-signature (A.9).
    webhook_signing_secret: Type.Optional(Type.String({ minLength: 1, title: 'Webhook signing secret', description: 'Only for accounts whose callbacks are signed (x-sinch-webhook-signature)' })),
  },
  { additionalProperties: false },
);

export type SinchSmsConfig = Static<typeof SinchSmsConfigSchema>;
export type SinchSmsSecrets = Static<typeof SinchSmsSecretsSchema>;

export function regionBaseUrl(region: SinchSmsRegion): string {
  return `https://${region}.sms.api.sinch.com`;
}

/** The API root to call: `base_url` when set (trailing slash dropped), else the region host. */
export function resolveBaseUrl(config: Pick<SinchSmsConfig, 'region' | 'base_url'>): string {
  if (config.base_url) return config.base_url.replace(/\/+$/, '');
  return regionBaseUrl(config.region ?? 'us');
}
