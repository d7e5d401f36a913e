// The Twilio sandbox as the demo runs it: the demo account and API key, and the demo project's
// MMS sender profile on an integration pointed at it.
import type { DemoSandbox } from '../types.js';
import { TWILIO_SANDBOX_DEMO as DEMO } from './cli.js';
import { createTwilioSandbox, type TwilioSandboxAccount } from './server.js';

/** A Twilio magic test number: valid as a sender. */
const NUMBER = '+15005550006';

export async function startTwilioDemo(port: number, host: string): Promise<DemoSandbox> {
  const account: TwilioSandboxAccount = { accountSid: DEMO.accountSid, authToken: DEMO.authToken, apiKeys: [{ sid: DEMO.apiKeySid, secret: DEMO.apiKeySecret }] };
  const sandbox = createTwilioSandbox({ accounts: [account] });
  await sandbox.listen(port, host);
  return {
    url: sandbox.url,
    integration: {
      name: 'Twilio sandbox',
      provider: 'twilio',
      config: { account_sid: DEMO.accountSid, base_url: sandbox.url },
      secrets: { auth_token: DEMO.authToken, api_key_sid: DEMO.apiKeySid, api_key_secret: DEMO.apiKeySecret },
      rate_limit: 50,
    },
    senderProfile: { name: 'Twilio MMS', channel: 'mms', sender: NUMBER },
    // What one sets up in Twilio's console: the number's incoming-message webhook is the integration's.
    connect(webhookUrls) {
      account.inboundUrl = webhookUrls?.inbound;
    },
    close: () => sandbox.close(),
  };
}
