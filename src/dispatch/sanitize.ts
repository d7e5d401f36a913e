// What a provider answered, made fit to store before it reaches events: adapters build `error`
// and `comment` from response bodies, which may echo the credentials sent (an Authorization
// value, a token endpoint's error). The core cleans them once here, whatever the adapter did.
import { clean } from '../core/redact.js';
import type { SendAttemptResult } from '../messages/state.js';

/** The longest provider error code kept. */
export const MAX_ERROR_CHARS = 100;
/** The longest provider message id kept; reports name messages by it, so they are cut alike. */
export const MAX_PROVIDER_ID_CHARS = MAX_ERROR_CHARS * 2;

/** Every string among an integration's secrets (and its webhook token), to redact. */
export function secretValues(secrets: Record<string, unknown>, ...more: string[]): string[] {
  const values = Object.values(secrets).filter((v): v is string => typeof v === 'string' && v.length > 0);
  return [...values, ...more.filter((v) => v.length > 0)];
}

export function sanitizeSendResult(result: SendAttemptResult, secrets: readonly string[]): SendAttemptResult {
  switch (result.kind) {
    case 'expired':
      return result;
    case 'accepted':
      return { ...result, providerMessageId: clean(result.providerMessageId, [], MAX_PROVIDER_ID_CHARS) };
    case 'confirmed':
      return { ...result, providerMessageId: result.providerMessageId === null ? null : clean(result.providerMessageId, [], MAX_PROVIDER_ID_CHARS) };
    default:
      return { ...result, error: clean(result.error, secrets, MAX_ERROR_CHARS), comment: clean(result.comment, secrets) };
  }
}
