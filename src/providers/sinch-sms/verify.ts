// Checks a Sinch SMS integration's API token and service plan without sending anything: list
// batches with `page_size=1` (docs/providers/sinch-sms.md A.3, A.12) is the cheapest read that
// needs both. Sinch's 401 ("Authentication token is invalid for this service plan", A.6) does
// not tell a wrong token from a token of another plan, so its hint names both.
import { getCapped, isSuccessStatus, type HttpAnswer } from '../http.js';
import { isRecord, parseJson } from '../json.js';
import type { SendContext, VerifyCredentialsResult } from '../types.js';
import { statusFailure, unexpectedSuccess, unreachable } from '../verify.js';
import { resolveBaseUrl, type SinchSmsConfig, type SinchSmsSecrets } from './config.js';
import { classify } from './send.js';

export function verifyUrl(config: SinchSmsConfig): string {
  return `${resolveBaseUrl(config)}/xms/v1/${encodeURIComponent(config.service_plan_id)}/batches?page_size=1`;
}

export async function verifySinchSms(ctx: SendContext<SinchSmsConfig, SinchSmsSecrets>): Promise<VerifyCredentialsResult> {
  const token = ctx.secrets.api_token;
  let answer: HttpAnswer;
  try {
    answer = await getCapped(verifyUrl(ctx.config), { pool: ctx.pool, authorization: `Bearer ${token}`, signal: ctx.signal, timeoutMs: ctx.timeoutMs });
  } catch (err) {
    return unreachable(err, 'Sinch SMS', [token]);
  }
  return readVerifyAnswer(answer, ctx.config, token);
}

export function readVerifyAnswer(answer: HttpAnswer, config: SinchSmsConfig, token: string): VerifyCredentialsResult {
  const plan = config.service_plan_id;
  if (isSuccessStatus(answer.statusCode)) {
    const json = parseJson(answer.text);
    if (!isRecord(json) || !Array.isArray(json['batches'])) return unexpectedSuccess('Sinch SMS', answer.statusCode, 'a batch list');
    return { ok: true, message: `Sinch SMS accepted the API token for service plan ${plan}` };
  }
  const refused = classify(answer.statusCode, answer.headers, answer.text, token);
  const { error, comment } = refused.kind === 'accepted' ? { error: '', comment: '' } : refused;
  return statusFailure('Sinch SMS', answer.statusCode, error, comment, {
    unauthorized: `the API token does not belong to service plan ${plan}; check the token and the service plan id (both on the plan's page of the Sinch dashboard)`,
    forbidden: `the token is valid but service plan ${plan} may not list batches (a blocked or suspended account?)`,
    not_found: `no Sinch SMS API for service plan ${plan} at this address; check the service plan id and the region (${config.region ?? 'us'}) or base_url`,
  });
}
