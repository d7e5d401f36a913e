// The hub the input parts (fuzz-api, report-permutations, forged-webhooks) attack: a real hub on
// loopback with its SQLite file in the part's work folder, and the three provider sandboxes it
// sends to. The sandboxes' own reports are held back (an hour), so every report the hub sees
// during a run is one the part posted itself.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { Pool } from 'undici';
import { createSinchConversationSandbox, type SandboxApp, type SinchConversationSandbox } from '../../src/sandboxes/sinch-conversation/server.js';
import { createSinchSmsSandbox, type SinchSmsSandbox } from '../../src/sandboxes/sinch-sms/server.js';
import { createTwilioSandbox, type TwilioSandbox } from '../../src/sandboxes/twilio/server.js';
import { startHub, type ApiClient, type TestHub } from '../../test/helpers.js';

/** Sandbox callbacks wait this long: longer than any part runs, shorter than setTimeout's limit. */
const HELD_BACK_MS = 3_600_000;

export const TWILIO_ACCOUNT = 'AC0123456789abcdef0123456789abcdef';
export const TWILIO_AUTH_TOKEN = 'torture-twilio-auth-token';
const TWILIO_KEY = { sid: 'SK0123456789abcdef0123456789abcdef', secret: 'torture-key-secret' };
export const TWILIO_FROM = '+12025551000';
export const SINCH_SIGNING_SECRET = 'torture-sinch-signing-secret';
export const CONVERSATION_SIGNING_SECRET = 'torture-conversation-signing-secret';
export const INGEST_SIGNING_SECRET = 'torture-ingest-signing-secret';

export interface WorldIntegration {
  id: string;
  provider: 'sinch_sms' | 'twilio' | 'sinch_conversation';
  /** endpoint name → full URL (with the secret token). */
  webhookUrls: Record<string, string>;
  /** The webhook signing secret, when the integration has one (Twilio: the auth token). */
  secret: string | null;
}

export interface InputsWorld {
  t: TestHub;
  url: string;
  /** Keep-alive connections to the hub, for high-rate generated traffic. */
  pool: Pool;
  admin: ApiClient;
  projectId: string;
  projectKey: string;
  projectKeyId: string;
  /** A second project: its direct-send ingest takes unsigned reports. */
  otherProjectId: string;
  sinchSigned: WorldIntegration;
  sinchUnsigned: WorldIntegration;
  twilio: WorldIntegration;
  conversation: WorldIntegration;
  /** Ingest URL path of the project with a signing secret, and of the one without. */
  ingestSignedPath: string;
  ingestUnsignedPath: string;
  /** Reads the hub's SQLite file (a second, read-only connection): counts and leftovers. */
  query<T = Record<string, unknown>>(sql: string, ...params: unknown[]): T[];
  close(): Promise<void>;
}

export async function openInputsWorld(workDir: string, opts: { connections?: number } = {}): Promise<InputsWorld> {
  const sinchSms: SinchSmsSandbox = createSinchSmsSandbox({
    servicePlans: [
      { id: 'plan-signed', token: 'token-signed' },
      { id: 'plan-unsigned', token: 'token-unsigned' },
    ],
    delays: { dispatchedMs: HELD_BACK_MS, finalMs: HELD_BACK_MS },
    historyLimit: 100,
  });
  const twilio: TwilioSandbox = createTwilioSandbox({
    accounts: [{ accountSid: TWILIO_ACCOUNT, authToken: TWILIO_AUTH_TOKEN, apiKeys: [TWILIO_KEY] }],
    delays: { sentMs: HELD_BACK_MS, finalMs: HELD_BACK_MS },
    historyLimit: 100,
  });
  const app: SandboxApp = { appId: 'app-1', channels: ['WHATSAPP', 'RCS'], webhookSecret: CONVERSATION_SIGNING_SECRET };
  const conversation: SinchConversationSandbox = createSinchConversationSandbox({
    projects: [{ projectId: 'proj-1', accessKey: 'key-1', accessSecret: 'secret-1', apps: [app] }],
    delays: { queuedMs: HELD_BACK_MS, deliveredMs: HELD_BACK_MS, readMs: HELD_BACK_MS },
    historyLimit: 100,
  });
  await Promise.all([sinchSms.listen(0, '127.0.0.1'), twilio.listen(0, '127.0.0.1'), conversation.listen(0, '127.0.0.1')]);

  const t = await startHub({ dataDir: join(workDir, 'hub') });
  const admin = t.api;
  const must = async (what: string, p: Promise<{ status: number; body: any }>) => {
    const res = await p;
    if (res.status >= 300) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const projectId = (await must('project', admin.post('/api/v1/projects', { name: 'Torture inputs' }))).id as string;
  const otherProjectId = (await must('project', admin.post('/api/v1/projects', { name: 'Torture unsigned ingest' }))).id as string;
  const integration = async (body: Record<string, unknown>, provider: WorldIntegration['provider'], secret: string | null): Promise<WorldIntegration> => {
    const res = await must(`integration ${provider}`, admin.post(`/api/v1/projects/${projectId}/integrations`, { provider, rate_limit: null, ...body }));
    return { id: res.id, provider, webhookUrls: res.webhook_urls, secret };
  };
  const sinchSigned = await integration(
    { name: 'Sinch signed', config: { service_plan_id: 'plan-signed', region: 'us', base_url: sinchSms.url }, secrets: { api_token: 'token-signed', webhook_signing_secret: SINCH_SIGNING_SECRET } },
    'sinch_sms',
    SINCH_SIGNING_SECRET,
  );
  const sinchUnsigned = await integration(
    { name: 'Sinch unsigned', config: { service_plan_id: 'plan-unsigned', region: 'us', base_url: sinchSms.url }, secrets: { api_token: 'token-unsigned' } },
    'sinch_sms',
    null,
  );
  const twilioIntegration = await integration(
    { name: 'Twilio', config: { account_sid: TWILIO_ACCOUNT, base_url: twilio.url }, secrets: { auth_token: TWILIO_AUTH_TOKEN, api_key_sid: TWILIO_KEY.sid, api_key_secret: TWILIO_KEY.secret } },
    'twilio',
    TWILIO_AUTH_TOKEN,
  );
  const conv = await integration(
    {
      name: 'Conversation',
      config: { project_id: 'proj-1', app_id: 'app-1', region: 'eu', base_url: conversation.url, auth_url: `${conversation.url}/oauth2/token` },
      secrets: { access_key: 'key-1', access_secret: 'secret-1', webhook_signing_secret: CONVERSATION_SIGNING_SECRET },
    },
    'sinch_conversation',
    CONVERSATION_SIGNING_SECRET,
  );
  app.webhookUrl = conv.webhookUrls['callbacks'];
  await must(
    'sender profile',
    admin.post(`/api/v1/projects/${projectId}/sender-profiles`, { channel: 'mms', integration_id: twilioIntegration.id, sender: TWILIO_FROM, is_default: true }),
  );
  const settings = await must(
    'settings',
    admin.put(`/api/v1/projects/${projectId}/settings`, {
      default_sms_integration_id: sinchSigned.id,
      default_whatsapp_integration_id: conv.id,
      default_rcs_integration_id: conv.id,
      ingest_signing_secret: INGEST_SIGNING_SECRET,
    }),
  );
  const otherSettings = await must('settings', admin.get(`/api/v1/projects/${otherProjectId}/settings`));
  const key = await must('api key', admin.post(`/api/v1/projects/${projectId}/api-keys`, { name: 'torture' }));

  const pool = new Pool(t.url, { connections: opts.connections ?? 16, pipelining: 1, headersTimeout: 60_000, bodyTimeout: 60_000 });
  const db = new Database(join(t.dataDir, 'switchboard.db'), { readonly: true, fileMustExist: true });
  return {
    t,
    url: t.url,
    pool,
    admin,
    projectId,
    projectKey: key.key,
    projectKeyId: key.id,
    otherProjectId,
    sinchSigned,
    sinchUnsigned,
    twilio: twilioIntegration,
    conversation: conv,
    ingestSignedPath: new URL(settings.direct_ingest_url).pathname,
    ingestUnsignedPath: new URL(otherSettings.direct_ingest_url).pathname,
    query: <T>(sql: string, ...params: unknown[]) => db.prepare(sql).all(...params) as T[],
    async close() {
      db.close();
      await pool.close();
      await t.close({ keepData: true });
      await Promise.all([sinchSms.close(), twilio.close(), conversation.close()]);
    },
  };
}

/** Webhook URL → the path (and query) to request on the hub. */
export function pathOf(url: string): string {
  const u = new URL(url);
  return u.pathname + u.search;
}

/** Waits until the callback processor has taken every stored callback (or throws after `timeoutMs`). */
export async function drained(w: InputsWorld, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pending = await w.t.hub.processor.pending();
    if (pending === 0) return;
    if (Date.now() > deadline) throw new Error(`callback processor still has ${pending} callbacks after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
