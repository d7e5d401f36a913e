// Hub processes of their own for the multi-process tests (not a test file itself): `serve` as an
// operator starts it, or a hub with test options (long polls, so only news between processes
// can make one act in time), and a round-robin proxy standing in for the load balancer.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { HubOptions } from '../src/hub.js';
import { ApiClient, eventually } from './helpers.js';

const root = fileURLToPath(new URL('..', import.meta.url));

export interface HubProcess {
  port: number;
  dataDir: string;
  child: ChildProcess;
  api: ApiClient;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

export interface ProcessEnv {
  databaseUrl: string;
  publicUrl: string;
  dataDir: string;
  secretKey: string;
  adminToken: string;
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

function envOf(e: ProcessEnv, port: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: e.databaseUrl,
    DATABASE_POOL_SIZE: '4',
    SWITCHBOARD_DATA_DIR: e.dataDir,
    SWITCHBOARD_SECRET_KEY: e.secretKey,
    SWITCHBOARD_ADMIN_TOKEN: e.adminToken,
    PUBLIC_URL: e.publicUrl,
    PORT: String(port),
    LOG_LEVEL: process.env.MP_LOG_LEVEL ?? 'error',
    ALLOW_LOOPBACK_PROVIDER_URLS: 'true',
  };
}

/** `switchboard serve`, as deployed. */
export function startServe(e: ProcessEnv, port: number): HubProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
    cwd: root,
    env: envOf(e, port),
    stdio: ['ignore', process.env.MP_LOG_LEVEL ? 'inherit' : 'ignore', 'inherit'],
  });
  return { port, dataDir: e.dataDir, child, api: new ApiClient(`http://127.0.0.1:${port}`, e.adminToken), exited: exitOf(child) };
}

/** A hub with test options in a process of its own (test/hub-process.ts); ready once it answers. */
export function startHubProcess(e: ProcessEnv, port: number, options: HubOptions): HubProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/hub-process.ts'], {
    cwd: root,
    env: { ...envOf(e, port), HUB_OPTIONS: JSON.stringify(options) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Drained, so a chatty log level never blocks the child on a full pipe.
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (process.env.MP_LOG_LEVEL) process.stdout.write(`${line}\n`);
  });
  return { port, dataDir: e.dataDir, child, api: new ApiClient(`http://127.0.0.1:${port}`, e.adminToken), exited: exitOf(child) };
}

export async function ready(h: Pick<HubProcess, 'port' | 'api'>): Promise<void> {
  await eventually(async () => ((await h.api.get('/readyz').catch(() => ({ status: 0 }))).status === 200 ? true : undefined), 60_000, `the hub on ${h.port} to be ready`);
}

/** Kills what is still running and waits for it to be gone (its sessions with it). */
export async function killAll(hubs: HubProcess[]): Promise<void> {
  for (const h of hubs) if (h.child.exitCode === null && h.child.signalCode === null) h.child.kill('SIGKILL');
  await Promise.all(hubs.map((h) => h.exited));
}

/** A load balancer: each request to the next hub, passed on to the one after when a hub is down. */
export function roundRobin(ports: () => number[]): Promise<Server> {
  let next = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const targets = ports();
      const attempt = (tries: number) => {
        const port = targets[next++ % targets.length]!;
        const out = request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
        out.on('error', () => {
          // Refused before anything was answered: another hub may take it; mid-answer, a 502.
          if (!res.headersSent && tries + 1 < targets.length) attempt(tries + 1);
          else if (!res.headersSent) res.writeHead(502).end();
          else res.destroy();
        });
        out.end(body);
      };
      attempt(0);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
