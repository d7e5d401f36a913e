// `switchboard sandbox sinch-conversation`: runs the Conversation API sandbox on its own,
// configured by flags or environment variables, until SIGINT/SIGTERM.
import { closeOnSignal, listenAddress, nonNegativeNumber as number, printHelp, printLines, parseSandboxFlags } from '../kit/cli.js';
import { createSinchConversationSandbox, type SandboxChannel } from './server.js';

/** The demo credentials a standalone sandbox starts with (documented in README.md). */
export const DEMO = {
  projectId: 'demo-project',
  appId: 'demo-app',
  accessKey: 'demo-key',
  accessSecret: 'demo-secret',
  channels: ['WHATSAPP', 'RCS'] as SandboxChannel[],
} as const;

export const SINCH_CONVERSATION_SANDBOX_USAGE = `usage: switchboard sandbox sinch-conversation [flags]

  --port N                port (default 8083; env SINCH_CONVERSATION_SANDBOX_PORT)
  --host H                interface (default 127.0.0.1; env SINCH_CONVERSATION_SANDBOX_HOST)
  --project ID            project id (default ${DEMO.projectId})
  --key ID                access key id (default ${DEMO.accessKey})
  --secret S              access key secret (default ${DEMO.accessSecret})
  --app ID                app id (default ${DEMO.appId})
  --channels LIST         the app's channels, comma-separated: WHATSAPP,RCS,SMS (default WHATSAPP,RCS)
  --webhook-url URL       the app's webhook target (env SINCH_CONVERSATION_SANDBOX_WEBHOOK_URL)
  --webhook-secret S      sign callbacks with x-sinch-webhook-signature (env SINCH_CONVERSATION_SANDBOX_WEBHOOK_SECRET)
  --template ID[:LANG]    a known template, repeatable; once any is given, others fail TEMPLATE_NOT_FOUND
  --rate N                sends per second per project before 429 (default unlimited)
  --token-ttl N           access token lifetime in seconds (default 3600)
  --queued-ms N           delay before QUEUED_ON_CHANNEL (default 200)
  --delivered-ms N        delay before DELIVERED (default 800)
  --read-ms N             delay before READ (default 1500)
  --retry-base-ms N       first callback retry delay, doubling (default 1000)
  --verbose               log every request
  --help`;

function channels(value: string): SandboxChannel[] {
  const list = value.split(',').map((c) => c.trim().toUpperCase()).filter(Boolean);
  for (const c of list) {
    if (c !== 'WHATSAPP' && c !== 'RCS' && c !== 'SMS') throw new Error(`--channels: unknown channel '${c}' (WHATSAPP, RCS, SMS)`);
  }
  if (list.length === 0) throw new Error('--channels: at least one channel is required');
  return list as SandboxChannel[];
}

export async function runSinchConversationSandbox(argv: string[]): Promise<void> {
  const env = process.env;
  const values = parseSandboxFlags(argv, {
    project: { type: 'string' },
    key: { type: 'string' },
    secret: { type: 'string' },
    app: { type: 'string' },
    channels: { type: 'string' },
    'webhook-url': { type: 'string' },
    'webhook-secret': { type: 'string' },
    template: { type: 'string', multiple: true },
    'token-ttl': { type: 'string' },
    'queued-ms': { type: 'string' },
    'delivered-ms': { type: 'string' },
    'read-ms': { type: 'string' },
  });
  if (printHelp(values, SINCH_CONVERSATION_SANDBOX_USAGE)) return;

  const { port, host } = listenAddress(values, 'SINCH_CONVERSATION_SANDBOX', 8083);
  const webhookUrl = values['webhook-url'] ?? env['SINCH_CONVERSATION_SANDBOX_WEBHOOK_URL'];
  const webhookSecret = values['webhook-secret'] ?? env['SINCH_CONVERSATION_SANDBOX_WEBHOOK_SECRET'];
  const templates = values.template?.map((spec) => {
    const [id, language] = spec.split(':');
    if (!id) throw new Error(`--template expects ID[:LANG], got '${spec}'`);
    return language ? { id, language_code: language } : { id };
  });
  const project = {
    projectId: values.project ?? DEMO.projectId,
    accessKey: values.key ?? DEMO.accessKey,
    accessSecret: values.secret ?? DEMO.accessSecret,
    apps: [
      {
        appId: values.app ?? DEMO.appId,
        channels: values.channels ? channels(values.channels) : [...DEMO.channels],
        ...(webhookUrl ? { webhookUrl } : {}),
        ...(webhookSecret ? { webhookSecret } : {}),
        ...(templates ? { templates } : {}),
      },
    ],
  };

  const sandbox = createSinchConversationSandbox({
    projects: [project],
    ratePerSecond: number('rate', values.rate),
    tokenTtlSeconds: number('token-ttl', values['token-ttl']),
    delays: {
      queuedMs: number('queued-ms', values['queued-ms']),
      deliveredMs: number('delivered-ms', values['delivered-ms']),
      readMs: number('read-ms', values['read-ms']),
    },
    retryBaseMs: number('retry-base-ms', values['retry-base-ms']),
    logger: values.verbose ?? false,
  });
  const url = await sandbox.listen(port, host);
  const app = project.apps[0]!;
  printLines([
    `Sinch Conversation API sandbox listening on ${url}`,
    `  project ${project.projectId}  access key ${project.accessKey}  secret ${project.accessSecret}`,
    `  app ${app.appId}  channels ${app.channels.join(',')}`,
    `  integration config: {"project_id":"${project.projectId}","app_id":"${app.appId}","base_url":"${url}","auth_url":"${url}/oauth2/token"}`,
    '  (a hub takes these loopback URLs only with ALLOW_LOOPBACK_PROVIDER_URLS=true)',
    `  webhook: ${webhookUrl ?? '(none: no callbacks)'}${webhookSecret ? ', signed (x-sinch-webhook-signature)' : ', unsigned'}`,
    '  test numbers: last four digits 0001-0014 choose the outcome (see the simulator README)',
  ]);
  await closeOnSignal('Sinch Conversation sandbox', sandbox);
}
