// Checks a Twilio integration's API key without sending anything: Read Message with
// `PageSize=1` (docs/providers/twilio.md C.10). Not Fetch Account: a Standard API key, the
// kind most accounts issue, may not read the Account resource, while the key that sends can
// read the account's messages.
import { getCapped, isSuccessStatus, type HttpAnswer } from '../http.js';
import { isRecord, parseJson } from '../json.js';
import type { SendContext, VerifyCredentialsResult } from '../types.js';
import { statusFailure, unexpectedSuccess, unreachable } from '../verify.js';
import { messagesUrl, type TwilioConfig, type TwilioSecrets } from './config.js';
import { classify } from './send.js';

export function verifyUrl(config: TwilioConfig): string {
  return `${messagesUrl(config)}?PageSize=1`;
}

export async function verifyTwilio(ctx: SendContext<TwilioConfig, TwilioSecrets>): Promise<VerifyCredentialsResult> {
  const { api_key_sid: keySid, api_key_secret: keySecret } = ctx.secrets;
  const basic = Buffer.from(`${keySid}:${keySecret}`, 'utf8').toString('base64');
  const secrets = [keySecret, ctx.secrets.auth_token, basic];
  let answer: HttpAnswer;
  try {
    answer = await getCapped(verifyUrl(ctx.config), { pool: ctx.pool, authorization: `Basic ${basic}`, signal: ctx.signal, timeoutMs: ctx.timeoutMs });
  } catch (err) {
    return unreachable(err, 'Twilio', secrets);
  }
  return readVerifyAnswer(answer, ctx.config, secrets);
}

export function readVerifyAnswer(answer: HttpAnswer, config: TwilioConfig, secrets: readonly string[]): VerifyCredentialsResult {
  const account = config.account_sid;
  if (isSuccessStatus(answer.statusCode)) {
    const json = parseJson(answer.text);
    if (!isRecord(json) || !Array.isArray(json['messages'])) return unexpectedSuccess('Twilio', answer.statusCode, 'a message list');
    return { ok: true, message: `Twilio accepted the API key for account ${account}` };
  }
  const refused = classify(answer.statusCode, answer.headers, answer.text, secrets);
  const { error, comment } = refused.kind === 'accepted' ? { error: '', comment: '' } : refused;
  return statusFailure('Twilio', answer.statusCode, error, comment, {
    // Twilio answers 20003 for a wrong secret and for a key of another account alike.
    unauthorized: `the API key and its secret are not valid for account ${account}; check the key secret, and that the key belongs to this account`,
    forbidden: `the API key may not read the messages of account ${account} (a Restricted key without Messaging permissions?)`,
    not_found: `no account ${account} at this address; check the Account SID and base_url`,
  });
}
