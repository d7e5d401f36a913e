#!/usr/bin/env node
// switchboard serve [--demo] [--workers N] | migrate | import FILE --project PID | sandbox NAME [flags]
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
import { parseDatabaseUrl } from './config.js';
import cluster from 'node:cluster';

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
  switchboard serve [--demo] [--workers N]
                                 run the hub (API, dispatcher, webhooks); --demo also runs the
                                 provider sandboxes and a demo project wired to them; --workers
                                 runs N hub processes on one port (PostgreSQL only)
  switchboard migrate            bring the database schema up to date and exit
  switchboard import FILE --project PID [--url URL] [--key KEY]
                                 import customers from a CSV or NDJSON file into a running
                                 hub, with a progress bar (key: --key or SWITCHBOARD_API_KEY)
  switchboard sandbox PROVIDER   ${wrap(`run one sandbox on its own: ${orList(sandboxes.map((s) => s.name))} (--help for its flags)`).join(`\n${' '.repeat(33)}`)}`;

async function serve(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { demo: { type: 'boolean', default: false }, workers: { type: 'string' } } });
  // The demo's integrations point at the sandboxes on this host, so the demo needs loopback.
  const config = loadConfig(values.demo ? { ...process.env, ALLOW_LOOPBACK_PROVIDER_URLS: 'true' } : process.env);
  if (values.workers !== undefined && cluster.isPrimary) {
    const workers = Number(values.workers);
    if (!Number.isInteger(workers) || workers < 1 || workers > 256) throw new UsageError(`--workers must be a whole number from 1 to 256, got ${values.workers}`);
    if (workers > 1) {
      if (parseDatabaseUrl(config.databaseUrl).kind !== 'postgres') {
        throw new UsageError('--workers above 1 needs PostgreSQL (DATABASE_URL=postgres://…): a SQLite store takes one hub process only');
      }
      if (values.demo) throw new UsageError('--demo runs in one process: leave out --workers');
      return superviseWorkers(config.databaseUrl, workers);
    }
  }
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

/**
 * The primary of `serve --workers N`: brings the schema up to date once, then runs N hub
 * processes that share the port (Node's cluster hands each connection to one of them). A worker
 * that dies is started again (after a pause growing while it keeps dying young); SIGTERM or
 * SIGINT is passed on to every worker, and the primary exits once they all stopped.
 */
async function superviseWorkers(databaseUrl: string, workers: number): Promise<void> {
  const db = openDatabase(databaseUrl, { poolSize: 1 });
  await migrate(db);
  await db.destroy();
  let stopping = false;
  let quickDeaths = 0;
  const fork = () => {
    const startedAt = Date.now();
    const worker = cluster.fork();
    worker.on('exit', (code, signal) => {
      if (stopping) {
        if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
        return;
      }
      quickDeaths = Date.now() - startedAt < 10_000 ? quickDeaths + 1 : 0;
      const pause = Math.min(30_000, 250 * 2 ** Math.min(quickDeaths, 7));
      process.stderr.write(`switchboard: worker ${worker.process.pid} exited (${signal ?? `code ${code}`}); starting another in ${pause} ms\n`);
      setTimeout(() => {
        if (!stopping) fork();
      }, pause);
    });
  };
  for (let i = 0; i < workers; i++) fork();
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const alive = Object.values(cluster.workers ?? {});
    if (alive.length === 0) process.exit(0);
    for (const w of alive) w?.process.kill(signal);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  switch (command) {
    case 'serve':
      try {
        return await serve(rest);
      } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        process.stderr.write(`switchboard: ${err.message}\n`);
        process.exit(2);
      }
      return;
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
