// The one way a provider config declares an endpoint URL (`base_url`, `auth_url`…), so every
// such field gets the same checks (core/provider-url.ts). The schema alone refuses what is never
// acceptable; loopback depends on the running hub (ALLOW_LOOPBACK_PROVIDER_URLS), so the
// integration service asks `providerUrlProblem` with its policy.
import { FormatRegistry, Type, type TObject, type TSchema, type TString } from '@sinclair/typebox';
import { checkProviderUrl, type AddressPolicy } from '../core/provider-url.js';

export const PROVIDER_URL_FORMAT = 'provider-url';

// Loopback allowed here: a schema cannot know the hub's setting, and the service checks it.
if (!FormatRegistry.Has(PROVIDER_URL_FORMAT)) {
  FormatRegistry.Set(PROVIDER_URL_FORMAT, (value) => checkProviderUrl(value, { allowLoopback: true }).ok);
}

/** An endpoint URL field of a provider config. */
export function ProviderUrl(description: string, title?: string): TString {
  return Type.String({ format: PROVIDER_URL_FORMAT, pattern: '^https?://', description, ...(title ? { title } : {}) });
}

/**
 * The first endpoint URL field of `config` (a provider config's top-level fields) that `policy`
 * refuses, with the reason and whether loopback alone is at fault; null when all are fine. Values that are not strings are left to
 * the schema to report.
 */
export function providerUrlProblem(schema: TSchema, config: unknown, policy: AddressPolicy): { field: string; reason: string; loopback: boolean } | null {
  if (typeof config !== 'object' || config === null) return null;
  for (const [field, property] of Object.entries((schema as Partial<TObject>).properties ?? {})) {
    if ((property as { format?: unknown }).format !== PROVIDER_URL_FORMAT) continue;
    const value = (config as Record<string, unknown>)[field];
    if (typeof value !== 'string') continue;
    const check = checkProviderUrl(value, policy);
    // `loopback`: refused only because loopback is, which the hub's setting can change.
    if (!check.ok) return { field, reason: check.reason, loopback: checkProviderUrl(value, { allowLoopback: true }).ok };
  }
  return null;
}
