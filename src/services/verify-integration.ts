// Checks an integration's credentials against its provider without sending a message, and keeps
// the outcome on the integration. The adapter does the provider's part (`verify`); here: the
// context a send would get (decrypted secrets, base URL and region in the config, the send
// timeout), a connection pool of the check's own, and no secret in what is stored or answered.
import { Agent } from 'undici';
import { guardedConnector } from '../providers/guarded-connector.js';
import { notFound } from '../core/errors.js';
import { clean } from '../core/redact.js';
import type { Logger } from '../logger.js';
import type { SendContext, VerifyCredentialsResult } from '../providers/types.js';
import type { DB } from '../store/db.js';
import * as integrationStore from '../store/integrations.js';
import type { IntegrationRegistry, IntegrationRuntime } from './integration-registry.js';
import { getIntegration } from './integrations.js';

/** What the API answers and the integration view shows: the result and when the check ended. */
export type VerifyAnswer = VerifyCredentialsResult & { checked_at: string };

export interface VerifyDeps {
  db: DB;
  integrations: IntegrationRegistry;
  logger: Logger;
  config: { allowLoopbackProviderUrls: boolean };
}

/** Longer than an event comment: the message carries a hint as well as the provider's verdict. */
const MAX_MESSAGE_CHARS = 600;

export async function verifyIntegration(deps: VerifyDeps, projectId: string, id: string): Promise<VerifyAnswer> {
  const row = await getIntegration(deps.db, projectId, id);
  const rt = await deps.integrations.runtime(id);
  if (!rt) throw notFound('integration', 'integration_id');
  const secrets = Object.values(rt.secrets).filter((v): v is string => typeof v === 'string' && v !== '');
  const result = withoutSecrets(await check(rt, deps), secrets);
  const at = Date.now();
  // Not kept if the integration changed meanwhile: the check was of what it was before.
  await integrationStore.recordVerify(deps.db, id, row.updated_at, at, JSON.stringify(result));
  deps.logger.info({ integration_id: id, provider: rt.provider, ok: result.ok, reason: result.ok ? undefined : result.reason }, 'integration credentials checked');
  return { ...result, checked_at: new Date(at).toISOString() };
}

/** The stored result as the API shows it; null when never checked (or unreadable). */
export function lastVerify(row: { last_verified_at: number | null; last_verify_result: string | null }): VerifyAnswer | null {
  if (row.last_verified_at === null || row.last_verify_result === null) return null;
  try {
    return { ...(JSON.parse(row.last_verify_result) as VerifyCredentialsResult), checked_at: new Date(row.last_verified_at).toISOString() };
  } catch {
    return null;
  }
}

async function check(rt: IntegrationRuntime, { logger, config }: VerifyDeps): Promise<VerifyCredentialsResult> {
  const adapter = rt.adapter;
  if (!adapter.verify) return { ok: false, reason: 'not_supported', message: `${adapter.displayName} integrations cannot be checked` };
  // Its own small pool: a check must neither wait behind the sender's queue nor take its connections.
  // The sender's address rules too: a check must not reach where a send may not.
  const pool = new Agent({ connections: 1, pipelining: 1, connect: guardedConnector({ allowLoopback: config.allowLoopbackProviderUrls }) });
  const ctx: SendContext<unknown, unknown> = { config: rt.config, secrets: rt.secrets, pool, webhookUrls: rt.webhookUrls, timeoutMs: rt.sendTimeoutMs };
  try {
    return await adapter.verify(ctx);
  } catch (err) {
    // Adapters classify every answer; a throw is a bug, reported without its (unchecked) text.
    logger.error({ err, integration_id: rt.id }, 'the credentials check failed');
    return { ok: false, reason: 'unexpected_answer', message: 'the check failed inside the hub; see the hub log' };
  } finally {
    await pool.close();
  }
}

/** Belt and braces: adapters clean their texts, and whatever they missed is redacted here. */
function withoutSecrets(result: VerifyCredentialsResult, secrets: readonly string[]): VerifyCredentialsResult {
  const scrub = (v: unknown): unknown =>
    typeof v === 'string' ? clean(v, secrets, MAX_MESSAGE_CHARS) : Array.isArray(v) ? v.map(scrub) : v;
  const details = result.details ? Object.fromEntries(Object.entries(result.details).map(([k, v]) => [k, scrub(v)])) : undefined;
  return { ...result, message: clean(result.message, secrets, MAX_MESSAGE_CHARS), ...(details ? { details } : {}) };
}
