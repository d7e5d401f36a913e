// Checks a Conversation API integration without sending anything (docs/providers/sinch-conversation.md
// B.9): a fresh OAuth2 token proves the access key and secret, then Get App proves the project,
// the app and the region. A cached token is dropped first: it would prove only that the key
// worked when the token was issued.
import { getCapped, isSuccessStatus, type HttpAnswer } from '../http.js';
import { isRecord, parseJson } from '../json.js';
import type { SendContext, VerifyCredentialsResult } from '../types.js';
import { statusFailure, unexpectedSuccess, unreachable, type VerifyFailure } from '../verify.js';
import { resolveAuthUrl, resolveBaseUrl, type SinchConversationConfig, type SinchConversationSecrets } from './config.js';
import { classify } from './send.js';
import type { SinchConversationTokenCache, TokenCredentials, TokenOutcome } from './token.js';

const API = 'The Conversation API';
const TOKEN_ENDPOINT = 'The Sinch token endpoint';

export function appUrl(config: SinchConversationConfig): string {
  return `${resolveBaseUrl(config)}/v1/projects/${encodeURIComponent(config.project_id)}/apps/${encodeURIComponent(config.app_id)}`;
}

export async function verifySinchConversation(
  ctx: SendContext<SinchConversationConfig, SinchConversationSecrets>,
  tokens: SinchConversationTokenCache,
): Promise<VerifyCredentialsResult> {
  const { config, secrets } = ctx;
  const creds: TokenCredentials = { authUrl: resolveAuthUrl(config), accessKey: secrets.access_key, accessSecret: secrets.access_secret };
  tokens.invalidate(creds);
  const got = await tokens.get(creds, { pool: ctx.pool, signal: ctx.signal });
  if (!got.ok) return tokenFailure(got.result, config);

  const hidden = [got.token, secrets.access_secret];
  let answer: HttpAnswer;
  try {
    answer = await getCapped(appUrl(config), { pool: ctx.pool, authorization: `Bearer ${got.token}`, signal: ctx.signal, timeoutMs: ctx.timeoutMs });
  } catch (err) {
    return unreachable(err, API, hidden);
  }
  return readAppAnswer(answer, config, hidden);
}

function tokenFailure(result: Extract<TokenOutcome, { ok: false }>['result'], config: SinchConversationConfig): VerifyFailure {
  if (result.statusCode === null) {
    // networkFailure already cleaned the comment of the key's secret, and led it with its own name.
    const said = result.comment.replace(/^token endpoint: /, '');
    return {
      ok: false,
      reason: 'unreachable',
      message: `${TOKEN_ENDPOINT} could not be reached (${result.error}${said ? `: ${said}` : ''}); check auth_url and that this host can reach it`,
      details: { error: result.error },
    };
  }
  if (isSuccessStatus(result.statusCode)) return unexpectedSuccess(TOKEN_ENDPOINT, result.statusCode, 'an access token');
  return statusFailure(TOKEN_ENDPOINT, result.statusCode, result.error, result.comment, {
    unauthorized: `the access key and its secret were refused; check both (project ${config.project_id}, Access Keys in the Sinch dashboard)`,
    forbidden: `the access key may not obtain tokens; check that the key is active`,
    not_found: 'no token endpoint at this address; check auth_url',
  });
}

export function readAppAnswer(answer: HttpAnswer, config: SinchConversationConfig, hidden: readonly string[]): VerifyCredentialsResult {
  const { project_id: project, app_id: app } = config;
  const region = config.region ?? 'eu';
  if (isSuccessStatus(answer.statusCode)) {
    const json = parseJson(answer.text);
    if (!isRecord(json) || typeof json['id'] !== 'string') return unexpectedSuccess(API, answer.statusCode, 'an app');
    const credentials = Array.isArray(json['channel_credentials']) ? json['channel_credentials'] : [];
    const channels = credentials.flatMap((c: unknown) => (isRecord(c) && typeof c['channel'] === 'string' ? [c['channel']] : []));
    const name = typeof json['display_name'] === 'string' ? json['display_name'] : '';
    return {
      ok: true,
      message: `the access key reads app ${app}${name ? ` ("${name}")` : ''} of project ${project}`,
      details: { app_display_name: name, channels },
    };
  }
  const refused = classify(answer.statusCode, answer.headers, answer.text, hidden);
  const { error, comment } = refused.kind === 'accepted' ? { error: '', comment: '' } : refused;
  return statusFailure(API, answer.statusCode, error, comment, {
    unauthorized: `it refused the token issued to the access key; check that auth_url and the region or base_url belong to the same Sinch environment`,
    forbidden: `the access key does not grant access to project ${project}; check the project id, and that the key is one of that project's`,
    not_found: `project ${project} has no app ${app} in region ${region}; check the app id, the project id and the region (an app answers only in the region it was created in)`,
  });
}
