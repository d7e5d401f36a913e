// The Conversation API sandbox as the demo runs it: the demo project and app on WhatsApp and
// RCS, and the demo project's integration for both pointed at it.
import type { DemoSandbox } from '../types.js';
import { DEMO } from './cli.js';
import { createSinchConversationSandbox, type SandboxApp } from './server.js';

const WEBHOOK_SECRET = 'demo-webhook-secret';

export async function startSinchConversationDemo(port: number, host: string): Promise<DemoSandbox> {
  const app: SandboxApp = { appId: DEMO.appId, channels: ['WHATSAPP', 'RCS'], webhookSecret: WEBHOOK_SECRET };
  const sandbox = createSinchConversationSandbox({
    projects: [{ projectId: DEMO.projectId, accessKey: DEMO.accessKey, accessSecret: DEMO.accessSecret, apps: [app] }],
  });
  await sandbox.listen(port, host);
  return {
    url: sandbox.url,
    integration: {
      name: 'Sinch Conversation sandbox',
      provider: 'sinch_conversation',
      config: { project_id: DEMO.projectId, app_id: DEMO.appId, region: 'eu', base_url: sandbox.url, auth_url: `${sandbox.url}/oauth2/token` },
      secrets: { access_key: DEMO.accessKey, access_secret: DEMO.accessSecret, webhook_signing_secret: WEBHOOK_SECRET },
      rate_limit: 20,
    },
    defaultFor: ['whatsapp', 'rcs'],
    // What one sets up on the Sinch side: the app's webhook target is the integration's callback URL.
    connect(webhookUrls) {
      app.webhookUrl = webhookUrls?.callbacks;
    },
    close: () => sandbox.close(),
  };
}
