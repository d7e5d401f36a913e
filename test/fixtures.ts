// Shared setup for end-to-end tests: a hub plus a Sinch SMS sandbox, with a project whose default
// SMS provider is an integration wired to that sandbox.
import { createSinchSmsSandbox, type SinchSmsSandbox, type SinchSmsSandboxOptions } from '../src/sandboxes/sinch-sms/server.js';
import type { HubOptions } from '../src/hub.js';
import type { Logger } from '../src/logger.js';
import { eventually, startHub, type TestHub } from './helpers.js';

export interface SinchWorld {
  t: TestHub;
  sandbox: SinchSmsSandbox;
  projectId: string;
  integrationId: string;
  integration: any;
  close(): Promise<void>;
}

export async function sinchWorld(opts: {
  sandbox?: Partial<SinchSmsSandboxOptions>;
  integration?: Record<string, unknown>;
  secrets?: Record<string, string>;
  hubEnv?: Record<string, string>;
  hub?: HubOptions;
  logger?: Logger;
  app?: NonNullable<Parameters<typeof startHub>[0]>['app'];
} = {}): Promise<SinchWorld> {
  const sandbox = createSinchSmsSandbox({
    servicePlans: [{ id: 'plan1', token: 'token-1' }],
    delays: { dispatchedMs: 20, finalMs: 60 },
    retryBaseMs: 50,
    ...opts.sandbox,
  });
  await sandbox.listen(0, '127.0.0.1');
  const t = await startHub({ env: opts.hubEnv, hub: opts.hub, app: opts.app, ...(opts.logger ? { logger: opts.logger } : {}) });
  const project = await t.api.post('/api/v1/projects', { name: 'Acme' });
  const projectId = project.body.id as string;
  const integration = await t.api.post(`/api/v1/projects/${projectId}/integrations`, {
    provider: 'sinch_sms',
    name: 'Sinch US',
    config: { service_plan_id: 'plan1', region: 'us', base_url: sandbox.url },
    secrets: { api_token: 'token-1', ...opts.secrets },
    rate_limit: null,
    ...opts.integration,
  });
  if (integration.status !== 201) throw new Error(`integration: ${JSON.stringify(integration.body)}`);
  const integrationId = integration.body.id as string;
  const settings = await t.api.put(`/api/v1/projects/${projectId}/settings`, { default_sms_integration_id: integrationId });
  if (settings.status !== 200) throw new Error(`settings: ${JSON.stringify(settings.body)}`);
  return {
    t,
    sandbox,
    projectId,
    integrationId,
    integration: integration.body,
    async close() {
      await t.close();
      await sandbox.close();
    },
  };
}

/** Events of one message, oldest first, once `until` holds for them. */
export async function messageEvents(w: SinchWorld, messageId: string, until: (events: any[]) => boolean, timeoutMs = 10_000): Promise<any[]> {
  return eventually(async () => {
    const res = await w.t.api.get(`/api/v1/projects/${w.projectId}/events?message_id=${messageId}`);
    return until(res.body.data) ? res.body.data : undefined;
  }, timeoutMs, `events of ${messageId}`);
}

export const statuses = (events: any[]) => events.map((e) => e.properties.status);
