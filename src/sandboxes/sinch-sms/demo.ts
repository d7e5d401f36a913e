// The Sinch SMS sandbox as the demo runs it: one service plan, and the demo project's SMS
// integration pointed at it.
import type { DemoSandbox } from '../types.js';
import { createSinchSmsSandbox, type SinchSmsServicePlan } from './server.js';

export async function startSinchSmsDemo(port: number, host: string): Promise<DemoSandbox> {
  const plan: SinchSmsServicePlan = { id: 'demo', token: 'demo-token' };
  const sandbox = createSinchSmsSandbox({ servicePlans: [plan] });
  await sandbox.listen(port, host);
  return {
    url: sandbox.url,
    integration: {
      name: 'Sinch SMS sandbox',
      provider: 'sinch_sms',
      config: { service_plan_id: plan.id, region: 'us', base_url: sandbox.url },
      secrets: { api_token: plan.token },
      rate_limit: 50,
    },
    defaultFor: ['sms'],
    // What one sets up in Sinch's dashboard: the service plan's inbound callback is the integration's.
    connect(webhookUrls) {
      plan.inboundUrl = webhookUrls?.inbound;
    },
    close: () => sandbox.close(),
  };
}
