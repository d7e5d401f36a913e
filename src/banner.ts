// What `switchboard serve` prints once it listens. The admin token itself only on the start that
// generated it: console output ends up in journald and container logs, which keep it.
import { redactDatabaseUrl, type Config } from './config.js';

export interface BannerDemo {
  projectId: string;
  sandboxes: { name: string; url: string }[];
}

export function adminTokenLine(config: Pick<Config, 'adminToken' | 'adminTokenSource' | 'dataDir'>): string {
  const file = `${config.dataDir}/admin.token`;
  switch (config.adminTokenSource) {
    case 'generated':
      return `${config.adminToken}   (generated now and stored in ${file}; shown this once)`;
    case 'file':
      return `in ${file}`;
    case 'env':
      return 'from SWITCHBOARD_ADMIN_TOKEN';
  }
}

export function startBanner(config: Config, demo: BannerDemo | null): string[] {
  const lines = [
    '',
    `Switchboard is running.`,
    `  Console:      ${config.publicUrl}/   (sign in with the admin token or a project key)`,
    `  API:          ${config.publicUrl}/api/v1   (OpenAPI: ${config.publicUrl}/api/v1/openapi.json)`,
    `  Reference:    ${config.publicUrl}/docs`,
    `  Admin token:  ${adminTokenLine(config)}`,
    `  Database:     ${redactDatabaseUrl(config.databaseUrl)}`,
  ];
  if (demo) {
    const bearer = config.adminTokenSource === 'env' ? '$SWITCHBOARD_ADMIN_TOKEN' : `$(cat ${config.dataDir}/admin.token)`;
    lines.push(
      ...demo.sandboxes.map((s) => `  Sandbox:      ${s.name.padEnd(20)} ${s.url}`),
      `  Demo project: ${demo.projectId} (SMS: Sinch SMS, MMS: Twilio, WhatsApp and RCS: Sinch Conversation)`,
      '',
      `Try it:`,
      `  curl -s -X POST ${config.publicUrl}/api/v1/projects/${demo.projectId}/messages \\`,
      `    -H "Authorization: Bearer ${bearer}" -H 'Content-Type: application/json' \\`,
      `    -d '{"phone": "+12025550100", "body": "Hello from Switchboard"}'`,
      `  (and "channel": "mms" with "media_urls", or "channel": "whatsapp" / "rcs"; then GET …/events)`,
    );
  }
  return lines;
}
