// The out-of-the-box setup of `npm start`: a demo project whose default SMS provider is a Sinch SMS
// integration wired to the local sandbox, so messages flow with no provider account.
import type { Hub } from './hub.js';
import { getProject, findProject, createProject, updateSettings } from './services/projects.js';

export const DEMO_PROJECT_ID = 'prj_demo';
export const DEMO_SERVICE_PLAN = 'demo';
export const DEMO_API_TOKEN = 'demo-token';

export async function ensureDemoProject(hub: Hub, sandboxUrl: string): Promise<{ projectId: string; integrationId: string }> {
  if (!(await findProject(hub.db, DEMO_PROJECT_ID))) await createProject(hub.db, 'Demo (sandbox)', DEMO_PROJECT_ID);
  const project = await getProject(hub.db, DEMO_PROJECT_ID);
  const existing = (await hub.integrations.list(DEMO_PROJECT_ID)).find((i) => i.provider === 'sinch_sms' && i.name === 'Sinch SMS sandbox');
  const config = { service_plan_id: DEMO_SERVICE_PLAN, region: 'us', base_url: sandboxUrl };
  const integration = existing
    ? await hub.integrations.update(DEMO_PROJECT_ID, existing.id, { config })
    : await hub.integrations.create(DEMO_PROJECT_ID, {
        provider: 'sinch_sms',
        name: 'Sinch SMS sandbox',
        config,
        secrets: { api_token: DEMO_API_TOKEN },
        rate_limit: 50,
      });
  if (!project.default_sms_integration_id) {
    await updateSettings(hub.db, DEMO_PROJECT_ID, { default_sms_integration_id: integration.id }, async () => {});
  }
  return { projectId: DEMO_PROJECT_ID, integrationId: integration.id };
}
