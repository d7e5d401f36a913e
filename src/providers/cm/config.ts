// Integration config and secrets for CM.com Business Messaging (docs/providers/cm.md D.1, D.2). The
// core validates stored integrations against these schemas; `secrets` are write-only and never echoed.
import { Type, type Static } from '@sinclair/typebox';
import { ProviderUrl } from '../provider-url.js';

/** CM's gateway hosts, as CM's PHP SDK lists them (`\CMText\Gateways`: GLOBAL, GLOBAL_ALTERNATIVE, CN, HK, UK). */
export const CM_ENDPOINTS = {
  global: 'https://gw.messaging.cm.com',
  global_alternative: 'https://gw.cmtelecom.com',
  cn: 'https://gw-cn.cmtelecom.com',
  hk: 'https://gw-hk.cmtelecom.cn',
  uk: 'https://gw-uk.cmtelecom.com',
} as const;
export type CmEndpoint = keyof typeof CM_ENDPOINTS;

/** The send path under every gateway host. */
export const MESSAGE_PATH = '/v1.0/message';

export const CmConfigSchema = Type.Object(
  {
    endpoint: Type.Optional(
      Type.Union(
        (Object.keys(CM_ENDPOINTS) as CmEndpoint[]).map((e) => Type.Literal(e)),
        { default: 'global', title: 'Gateway', description: 'CM gateway: global (gw.messaging.cm.com), global_alternative (gw.cmtelecom.com), cn, hk or uk' },
      ),
    ),
    base_url: Type.Optional(ProviderUrl('Overrides the gateway host (proxies, sandboxes, tests)', 'Base URL')),
    default_sender: Type.Optional(
      // CM's rule (D.3): up to 16 digits, or up to 11 alphanumeric characters (its example has a space).
      Type.String({ pattern: '^(\\+?[0-9]{1,16}|[A-Za-z0-9 ]{1,11})$', title: 'Default sender', description: 'Used when a message names no sender: up to 11 alphanumeric characters or up to 16 digits' }),
    ),
  },
  { additionalProperties: false },
);

export const CmSecretsSchema = Type.Object(
  {
    // CM issues product tokens as GUIDs (Gateway app > API products).
    product_token: Type.String({
      pattern: '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$',
      title: 'Product token',
      description: 'The API product token (a GUID) from CM.com\'s Gateway app',
    }),
  },
  { additionalProperties: false },
);

export type CmConfig = Static<typeof CmConfigSchema>;
export type CmSecrets = Static<typeof CmSecretsSchema>;

/** The gateway root to call: `base_url` when set (trailing slash dropped), else the endpoint's host. */
export function resolveBaseUrl(config: Pick<CmConfig, 'endpoint' | 'base_url'>): string {
  if (config.base_url) return config.base_url.replace(/\/+$/, '');
  return CM_ENDPOINTS[config.endpoint ?? 'global'];
}

export function messageUrl(config: Pick<CmConfig, 'endpoint' | 'base_url'>): string {
  return `${resolveBaseUrl(config)}${MESSAGE_PATH}`;
}
