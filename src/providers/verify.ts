// What every adapter's credentials check shares: the reason an HTTP status gives, the words that
// go with it, and a request that got no answer read as "unreachable". Each adapter supplies the
// hints that name its own ids ("service plan X", "account AC…").
import { clean } from '../core/redact.js';
import { networkErrorCode } from './http.js';
import type { VerifyCredentialsResult, VerifyFailureReason } from './types.js';

export type VerifyFailure = Extract<VerifyCredentialsResult, { ok: false }>;
/** What to tell the user per reason; a reason without a hint gets the generic one. */
export type VerifyHints = Partial<Record<VerifyFailureReason, string>>;

const GENERIC_HINTS: Readonly<Record<VerifyFailureReason, string>> = {
  unauthorized: 'the credentials were refused',
  forbidden: 'the credentials may not read this',
  not_found: 'nothing at this address; check the ids in the config and the region or base_url',
  rate_limited: 'too many requests; try again in a minute',
  unreachable: 'no answer',
  provider_error: 'the provider failed; try again later',
  unexpected_answer: 'an answer the check cannot read',
  not_supported: 'this provider cannot be checked',
};

/** The reason a non-2xx status gives a failed check. */
export function reasonForStatus(statusCode: number): VerifyFailureReason {
  if (statusCode === 401) return 'unauthorized';
  if (statusCode === 403) return 'forbidden';
  if (statusCode === 404) return 'not_found';
  if (statusCode === 429) return 'rate_limited';
  if (statusCode >= 500) return 'provider_error';
  return 'unexpected_answer';
}

/**
 * A failed check from the provider's answer: `who` answered `statusCode` (`error`), then the
 * hint for its reason. The provider's own words (`comment`, already cleaned of secrets) go in
 * `details`, since they explain less than the hint but help support.
 */
export function statusFailure(who: string, statusCode: number, error: string, comment: string, hints: VerifyHints): VerifyFailure {
  const reason = reasonForStatus(statusCode);
  return {
    ok: false,
    reason,
    message: `${who} answered ${statusCode} (${error}): ${hints[reason] ?? GENERIC_HINTS[reason]}`,
    details: { status_code: statusCode, error, ...(comment ? { provider_message: comment } : {}) },
  };
}

/** A 2xx whose body is not what the provider sends: most likely base_url points elsewhere. */
export function unexpectedSuccess(who: string, statusCode: number, expected: string): VerifyFailure {
  return {
    ok: false,
    reason: 'unexpected_answer',
    message: `${who} answered ${statusCode} but not with ${expected}; check that base_url points at the provider's API`,
    details: { status_code: statusCode },
  };
}

/** A request that got no answer (DNS, refused connection, TLS, timeout). `who` names the far end. */
export function unreachable(err: unknown, who: string, secrets: readonly string[]): VerifyFailure {
  const code = networkErrorCode(err);
  const e = err as { message?: unknown } | null;
  const said = typeof e?.message === 'string' && e.message ? `: ${e.message}` : '';
  return {
    ok: false,
    reason: 'unreachable',
    message: clean(`${who} could not be reached (${code}${said}); check the region or base_url, and that this host can reach it`, secrets),
    details: { error: code },
  };
}
