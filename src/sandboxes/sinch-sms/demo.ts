// The Sinch SMS sandbox as the demo runs it: one service plan, and the demo project's SMS
// integration pointed at it.
import type { DemoSandbox } from '../types.js';
import { createSinchSmsSandbox } from './server.js';

const PLAN = { id: 'demo', token: 'demo-token' };

export async function startSinchSmsDemo(port: number, host: string): Promise<DemoSandbox> {
  const sandbox = createSinchSmsSandbox({ servicePlans: [PLAN] });
  await sandbox.listen(port, host);
  return {
    url: sandbox.url,
    integration: {
      name: 'Sinch SMS sandbox',
      provider: 'sinch_sms',
      config: { service_plan_id: PLAN.id, region: 'us', base_url: sandbox.url },
      secrets: { api_token: PLAN.token },
      rate_limit: 50,
    },
    defaultFor: ['sms'],
    close: () => sandbox.close(),
  };
}
