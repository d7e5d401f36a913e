#!/usr/bin/env node
// switchboard serve [--demo] | migrate | sandbox sinch-sms [flags]
import { parseArgs } from 'node:util';
import { buildApp } from './api/app.js';
import { loadConfig } from './config.js';
import { ensureDemoProject } from './demo.js';
import { Hub } from './hub.js';
import { createLogger } from './logger.js';
import { createSinchSmsSandbox } from './providers/sinch-sms/simulator/server.js';
import { runSinchSmsSandbox } from './providers/sinch-sms/simulator/cli.js';
import { migrate, openDatabase } from './store/db.js';

const USAGE = `usage:
  switchboard serve [--demo]     run the hub (API, dispatcher, webhooks); --demo also runs the
                                 Sinch SMS sandbox and a demo project wired to it
  switchboard migrate            bring the database schema up to date and exit
  switchboard sandbox sinch-sms  run the Sinch SMS sandbox on its own (--help for flags)`;

async function serve(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { demo: { type: 'boolean', default: false } } });
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const hub = await Hub.open(config, logger);
  const app = await buildApp(hub);

  let sandbox: ReturnType<typeof createSinchSmsSandbox> | null = null;
  let demo: { projectId: string; integrationId: string } | null = null;
  if (values.demo) {
    sandbox = createSinchSmsSandbox({ servicePlans: [{ id: 'demo', token: 'demo-token' }] });
    await sandbox.listen(Number(process.env.SANDBOX_PORT ?? 8081), '127.0.0.1');
    demo = await ensureDemoProject(hub, sandbox.url);
  }
  await hub.start();
  await app.listen({ port: config.port, host: config.host });

  const lines = [
    '',
    `Switchboard is running.`,
    `  API:          ${config.publicUrl}/api/v1   (OpenAPI: ${config.publicUrl}/api/v1/openapi.json)`,
    `  Admin token:  ${config.adminTokenGenerated ? config.adminToken + '   (generated; stored in ' + config.dataDir + '/admin.token)' : '(from SWITCHBOARD_ADMIN_TOKEN)'}`,
    `  Database:     ${config.databaseUrl.replace(/\/\/[^@/]*@/, '//***@')}`,
  ];
  if (sandbox && demo) {
    lines.push(
      `  Sandbox:      Sinch SMS at ${sandbox.url} (service plan "demo")`,
      `  Demo project: ${demo.projectId}, default SMS integration ${demo.integrationId}`,
      '',
      `Try it:`,
      `  curl -s -X POST ${config.publicUrl}/api/v1/projects/${demo.projectId}/messages \\`,
      `    -H "Authorization: Bearer $(cat ${config.dataDir}/admin.token)" -H 'Content-Type: application/json' \\`,
      `    -d '{"phone": "+46700000100", "body": "Hello from Switchboard"}'`,
    );
  }
  process.stdout.write(lines.join('\n') + '\n\n');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await app.close();
    await hub.stop();
    await sandbox?.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  switch (command) {
    case 'serve':
      return serve(rest);
    case 'migrate': {
      const config = loadConfig();
      const db = openDatabase(config.databaseUrl);
      await migrate(db);
      await db.destroy();
      process.stdout.write('database is up to date\n');
      return;
    }
    case 'sandbox': {
      const [provider, ...flags] = rest;
      if (provider === 'sinch-sms') return runSinchSmsSandbox(flags);
      process.stderr.write('usage: switchboard sandbox sinch-sms [flags]\n');
      process.exit(2);
      return;
    }
    default:
      process.stderr.write(USAGE + '\n');
      process.exit(command ? 2 : 0);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`switchboard: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
