// The out-of-the-box setup of `npm start`: the provider sandboxes on local ports and a demo
// project wired to them, so messages flow on every channel with no provider account.
// Which provider serves which channel is each sandbox's demo entry (src/sandboxes/*/demo.ts):
// SMS → Sinch SMS (the default SMS integration); MMS → Twilio (the default MMS sender profile);
// WhatsApp and RCS → the Sinch Conversation API (the default WhatsApp and RCS integration); CM.com
// takes SMS over while Sinch SMS fails (the SMS failover list, docs/failover.md).
import type { Hub } from './hub.js';
import { sandboxes } from './sandboxes/registry.js';
import type { DemoSandbox } from './sandboxes/types.js';
import { createProject, DEFAULT_FIELD, findProject, getProject, settingsOf, updateSettings, type DefaultField, type FailoverSettings } from './services/projects.js';
import { createIntegration, listIntegrations, updateIntegration, type IntegrationInput } from './services/integrations.js';
import { createSenderProfile, defaultSenderProfile } from './services/sender-profiles.js';

export const DEMO_PROJECT_ID = 'prj_demo';

export interface Demo {
  projectId: string;
  sandboxes: { name: string; url: string }[];
  close(): Promise<void>;
}

/** Creates or updates an integration of the demo project by name, so restarts reuse it. */
async function ensureIntegration(hub: Hub, name: string, input: IntegrationInput): Promise<string> {
  const existing = (await listIntegrations(hub.db, DEMO_PROJECT_ID)).find((i) => i.name === name);
  if (existing) return (await updateIntegration(hub, DEMO_PROJECT_ID, existing.id, { config: input.config, secrets: input.secrets })).id;
  return (await createIntegration(hub, DEMO_PROJECT_ID, { ...input, name })).id;
}

export async function startDemo(hub: Hub, basePort: number): Promise<Demo> {
  // One port each, in registry order, so the ports stay where the console says.
  const started: DemoSandbox[] = [];
  for (const [i, sandbox] of sandboxes.entries()) started.push(await sandbox.startDemo(basePort + i, '127.0.0.1'));

  if (!(await findProject(hub.db, DEMO_PROJECT_ID))) await createProject(hub.db, 'Demo (sandboxes)', DEMO_PROJECT_ID);
  const integrationIds: string[] = [];
  for (const demo of started) {
    const id = await ensureIntegration(hub, demo.integration.name, demo.integration);
    integrationIds.push(id);
    if (demo.connect) demo.connect((await hub.integrations.runtime(id))?.webhookUrls);
  }

  // Defaults only fill gaps, so a demo project someone rewired keeps its choices.
  const project = await getProject(hub.db, DEMO_PROJECT_ID);
  const defaults: Partial<Record<DefaultField, string>> = {};
  started.forEach((demo, i) => {
    for (const channel of demo.defaultFor ?? []) {
      const field = DEFAULT_FIELD[channel];
      defaults[field] ??= project[field] ?? integrationIds[i]!;
    }
  });
  // A failover list only where the channel has none, and never naming the channel's default.
  const stored = settingsOf(project).failover;
  const failover: FailoverSettings = {};
  started.forEach((demo, i) => {
    for (const channel of demo.failoverFor ?? []) {
      if (stored[channel]?.length || (defaults[DEFAULT_FIELD[channel]] ?? project[DEFAULT_FIELD[channel]]) === integrationIds[i]) continue;
      failover[channel] = [...(failover[channel] ?? []), integrationIds[i]!];
    }
  });
  await updateSettings(hub.db, DEMO_PROJECT_ID, { ...defaults, ...(Object.keys(failover).length > 0 && { failover }) }, async () => {});
  for (const [i, demo] of started.entries()) {
    const profile = demo.senderProfile;
    if (!profile || (await defaultSenderProfile(hub.db, DEMO_PROJECT_ID, profile.channel))) continue;
    await createSenderProfile(hub, DEMO_PROJECT_ID, { ...profile, integration_id: integrationIds[i]!, is_default: true });
  }

  return {
    projectId: DEMO_PROJECT_ID,
    sandboxes: started.map((demo, i) => ({ name: sandboxes[i]!.displayName, url: demo.url })),
    async close() {
      await Promise.all(started.map((demo) => demo.close()));
    },
  };
}
