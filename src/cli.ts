#!/usr/bin/env node
// switchboard serve [--demo] | migrate | import FILE --project PID | sandbox NAME [flags]
import { parseArgs } from 'node:util';
import { buildApp } from './api/app.js';
import { startBanner } from './banner.js';
import { loadConfig } from './config.js';
import { startDemo, type Demo } from './demo.js';
import { Hub } from './hub.js';
import { IMPORT_USAGE, runImport, UsageError } from './import-command.js';
import { createLogger } from './logger.js';
import { findSandbox, sandboxes } from './sandboxes/registry.js';
import { migrate, openDatabase } from './store/db.js';

/** `a, b or c` */
function orList(words: string[]): string {
  return words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}

/** Words into lines of at most `width` characters: the usage's description column. */
function wrap(text: string, width = 61): string[] {
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 1 + word.length <= width) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}

// The sandbox names come from the registry so a new sandbox shows up here by itself.
const USAGE = `usage:
  switchboard serve [--demo]     run the hub (API, dispatcher, webhooks); --demo also runs the
                                 provider sandboxes and a demo project wired to them
  switchboard migrate            bring the database schema up to date and exit
  switchboard import FILE --project PID [--url URL] [--key KEY]
                                 import customers from a CSV or NDJSON file into a running
                                 hub, with a progress bar (key: --key or SWITCHBOARD_API_KEY)
  switchboard sandbox PROVIDER   ${wrap(`run one sandbox on its own: ${orList(sandboxes.map((s) => s.name))} (--help for its flags)`).join(`\n${' '.repeat(33)}`)}`;

async function serve(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { demo: { type: 'boolean', default: false } } });
  // The demo's integrations point at the sandboxes on this host, so the demo needs loopback.
  const config = loadConfig(values.demo ? { ...process.env, ALLOW_LOOPBACK_PROVIDER_URLS: 'true' } : process.env);
  const logger = createLogger(config.logLevel, undefined, config.logFormat);
  const hub = await Hub.open(config, logger);
  const app = await buildApp(hub);

  let demo: Demo | null = null;
  if (values.demo) demo = await startDemo(hub, Number(process.env.SANDBOX_PORT ?? 8081));
  await hub.start();
  await app.listen({ port: config.port, host: config.host });

  process.stdout.write(startBanner(config, demo).join('\n') + '\n\n');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await app.close();
    await hub.stop();
    await demo?.close();
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
    case 'import':
      try {
        process.exitCode = await runImport(rest);
      } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        process.stderr.write(`${err.message === IMPORT_USAGE ? '' : err.message + '\n'}${IMPORT_USAGE}\n`);
        process.exitCode = 2;
      }
      return;
    case 'sandbox': {
      const [provider, ...flags] = rest;
      const sandbox = provider ? findSandbox(provider) : undefined;
      if (sandbox) return sandbox.run(flags);
      process.stderr.write(`usage: switchboard sandbox ${sandboxes.map((s) => s.name).join('|')} [flags]\n`);
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
