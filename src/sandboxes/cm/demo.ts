// The CM.com sandbox as the demo runs it: one account, and a CM.com SMS integration of the demo
// project pointed at it. Sinch SMS stays the demo's default SMS integration and CM.com takes over
// while Sinch fails (the SMS failover list); a send names it with `integration_id`, or the
// project's settings can make it the default.
import type { DemoSandbox } from '../types.js';
import { CM_SANDBOX_DEMO_TOKEN } from './cli.js';
import { createCmSandbox, type CmSandboxAccount } from './server.js';

export async function startCmDemo(port: number, host: string): Promise<DemoSandbox> {
  const account: CmSandboxAccount = { token: CM_SANDBOX_DEMO_TOKEN };
  const sandbox = createCmSandbox({ accounts: [account] });
  await sandbox.listen(port, host);
  return {
    url: sandbox.url,
    integration: {
      name: 'CM.com sandbox',
      provider: 'cm',
      config: { base_url: sandbox.url, default_sender: 'Switchboard' },
      secrets: { product_token: CM_SANDBOX_DEMO_TOKEN },
      rate_limit: 50,
    },
    failoverFor: ['sms'],
    // What one sets up in CM's Channels app: the status report and incoming message webhooks.
    connect(webhookUrls) {
      account.statusUrl = webhookUrls?.status;
      account.inboundUrl = webhookUrls?.inbound;
    },
    close: () => sandbox.close(),
  };
}
