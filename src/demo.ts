// The out-of-the-box setup of `npm start`: the provider sandboxes on local ports and a demo
// project wired to them, so messages flow on every channel with no provider account.
// SMS → Sinch SMS (the default SMS integration); MMS → Twilio (the default MMS sender profile);
// WhatsApp and RCS → the Sinch Conversation API (the default WhatsApp and RCS integration).
import type { Hub } from './hub.js';
import { createSinchConversationSandbox, type SandboxApp } from './sandboxes/sinch-conversation/server.js';
import { DEMO as CONVERSATION_DEMO } from './sandboxes/sinch-conversation/cli.js';
import { createSinchSmsSandbox } from './sandboxes/sinch-sms/server.js';
import { createTwilioSandbox } from './sandboxes/twilio/server.js';
import { TWILIO_SANDBOX_DEMO } from './sandboxes/twilio/cli.js';
import { createProject, findProject, getProject, updateSettings } from './services/projects.js';
import type { IntegrationInput } from './services/integrations.js';

export const DEMO_PROJECT_ID = 'prj_demo';
const SINCH_PLAN = { id: 'demo', token: 'demo-token' };
const TWILIO_NUMBER = '+15005550006';

export interface Demo {
  projectId: string;
  sandboxes: { name: string; url: string }[];
  close(): Promise<void>;
}

/** Creates or updates an integration of the demo project by name, so restarts reuse it. */
async function ensureIntegration(hub: Hub, name: string, input: IntegrationInput): Promise<string> {
  const existing = (await hub.integrations.list(DEMO_PROJECT_ID)).find((i) => i.name === name);
  if (existing) return (await hub.integrations.update(DEMO_PROJECT_ID, existing.id, { config: input.config, secrets: input.secrets })).id;
  return (await hub.integrations.create(DEMO_PROJECT_ID, { ...input, name })).id;
}

export async function startDemo(hub: Hub, basePort: number): Promise<Demo> {
  const sinchSms = createSinchSmsSandbox({ servicePlans: [SINCH_PLAN] });
  const twilio = createTwilioSandbox({
    accounts: [{ accountSid: TWILIO_SANDBOX_DEMO.accountSid, authToken: TWILIO_SANDBOX_DEMO.authToken, apiKeys: [{ sid: TWILIO_SANDBOX_DEMO.apiKeySid, secret: TWILIO_SANDBOX_DEMO.apiKeySecret }] }],
  });
  const conversationApp: SandboxApp = { appId: CONVERSATION_DEMO.appId, channels: ['WHATSAPP', 'RCS'], webhookSecret: 'demo-webhook-secret' };
  const conversation = createSinchConversationSandbox({
    projects: [{ projectId: CONVERSATION_DEMO.projectId, accessKey: CONVERSATION_DEMO.accessKey, accessSecret: CONVERSATION_DEMO.accessSecret, apps: [conversationApp] }],
  });
  await sinchSms.listen(basePort, '127.0.0.1');
  await twilio.listen(basePort + 1, '127.0.0.1');
  await conversation.listen(basePort + 2, '127.0.0.1');

  if (!(await findProject(hub.db, DEMO_PROJECT_ID))) await createProject(hub.db, 'Demo (sandboxes)', DEMO_PROJECT_ID);
  const sms = await ensureIntegration(hub, 'Sinch SMS sandbox', {
    provider: 'sinch_sms',
    config: { service_plan_id: SINCH_PLAN.id, region: 'us', base_url: sinchSms.url },
    secrets: { api_token: SINCH_PLAN.token },
    rate_limit: 50,
  });
  const mms = await ensureIntegration(hub, 'Twilio sandbox', {
    provider: 'twilio',
    config: { account_sid: TWILIO_SANDBOX_DEMO.accountSid, base_url: twilio.url },
    secrets: { auth_token: TWILIO_SANDBOX_DEMO.authToken, api_key_sid: TWILIO_SANDBOX_DEMO.apiKeySid, api_key_secret: TWILIO_SANDBOX_DEMO.apiKeySecret },
    rate_limit: 50,
  });
  const chat = await ensureIntegration(hub, 'Sinch Conversation sandbox', {
    provider: 'sinch_conversation',
    config: { project_id: CONVERSATION_DEMO.projectId, app_id: CONVERSATION_DEMO.appId, region: 'eu', base_url: conversation.url, auth_url: `${conversation.url}/oauth2/token` },
    secrets: { access_key: CONVERSATION_DEMO.accessKey, access_secret: CONVERSATION_DEMO.accessSecret, webhook_signing_secret: 'demo-webhook-secret' },
    rate_limit: 20,
  });
  // What one sets up on the Sinch side: the app's webhook target is the integration's callback URL.
  conversationApp.webhookUrl = (await hub.integrations.runtime(chat))?.webhookUrls.callbacks;

  const project = await getProject(hub.db, DEMO_PROJECT_ID);
  await updateSettings(
    hub.db,
    DEMO_PROJECT_ID,
    {
      default_sms_integration_id: project.default_sms_integration_id ?? sms,
      default_whatsapp_integration_id: project.default_whatsapp_integration_id ?? chat,
      default_rcs_integration_id: project.default_rcs_integration_id ?? chat,
    },
    async () => {},
  );
  if (!(await hub.profiles.defaultFor(DEMO_PROJECT_ID, 'mms'))) {
    await hub.profiles.create(DEMO_PROJECT_ID, { name: 'Twilio MMS', channel: 'mms', integration_id: mms, sender: TWILIO_NUMBER, is_default: true });
  }

  return {
    projectId: DEMO_PROJECT_ID,
    sandboxes: [
      { name: 'Sinch SMS', url: sinchSms.url },
      { name: 'Twilio', url: twilio.url },
      { name: 'Sinch Conversation', url: conversation.url },
    ],
    async close() {
      await Promise.all([sinchSms.close(), twilio.close(), conversation.close()]);
    },
  };
}
