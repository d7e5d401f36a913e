// Test harness: a real hub (its own SQLite file, real HTTP server on loopback) and real sandboxes.
import { mkdtempSync, rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { request } from 'undici';
import { buildApp } from '../src/api/app.js';
import { loadConfig } from '../src/config.js';
import { Hub, type HubOptions } from '../src/hub.js';
import { createLogger, type Logger } from '../src/logger.js';

import { freePort } from './net.js';

export { freePort };

export function tempDir(prefix = 'switchboard-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface TestHub {
  hub: Hub;
  app: FastifyInstance;
  url: string;
  adminToken: string;
  dataDir: string;
  api: ApiClient;
  close(opts?: { keepData?: boolean }): Promise<void>;
}

export async function startHub(
  opts: { dataDir?: string; env?: Record<string, string>; hub?: HubOptions; logger?: Logger; app?: Parameters<typeof buildApp>[1] } = {},
): Promise<TestHub> {
  const dataDir = opts.dataDir ?? tempDir();
  const port = opts.env?.PORT ? Number(opts.env.PORT) : await freePort();
  const config = loadConfig({
    SWITCHBOARD_DATA_DIR: dataDir,
    PORT: String(port),
    SWITCHBOARD_ADMIN_TOKEN: 'test-admin-token',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    // The sandboxes the tests point integrations at listen on loopback.
    ALLOW_LOOPBACK_PROVIDER_URLS: 'true',
    ...opts.env,
  });
  const hub = await Hub.open(config, opts.logger ?? createLogger(config.logLevel), {
    dispatcher: { pollMs: 100, backoff: { baseMs: 50, maxMs: 500, factor: 2, unconfirmedWaitMs: 200 }, ...opts.hub?.dispatcher },
    processor: { pollMs: 100, ...opts.hub?.processor },
    ...(opts.hub?.imports && { imports: opts.hub.imports }),
    scheduler: { pollMs: 100, ...opts.hub?.scheduler },
    ...(opts.hub?.cluster && { cluster: opts.hub.cluster }),
  });
  const app = await buildApp(hub, opts.app);
  await hub.start();
  await app.listen({ port, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${port}`;
  return {
    hub,
    app,
    url,
    adminToken: config.adminToken,
    dataDir,
    api: new ApiClient(url, config.adminToken),
    async close({ keepData = false } = {}) {
      await app.close();
      await hub.stop();
      if (!keepData && !opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | undefined>;
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly token: string | null,
  ) {}

  withToken(token: string | null): ApiClient {
    return new ApiClient(this.baseUrl, token);
  }

  async call<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const res = await request(this.baseUrl + path, {
      method: method as 'GET',
      headers: {
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
    });
    const text = await res.body.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.statusCode, body: parsed as T, headers: res.headers };
  }

  get<T = any>(path: string) {
    return this.call<T>('GET', path);
  }
  post<T = any>(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.call<T>('POST', path, body ?? {}, headers);
  }
  put<T = any>(path: string, body: unknown) {
    return this.call<T>('PUT', path, body);
  }
  patch<T = any>(path: string, body: unknown) {
    return this.call<T>('PATCH', path, body);
  }
  delete<T = any>(path: string) {
    return this.call<T>('DELETE', path);
  }
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${JSON.stringify(last)}` : ''}`);
}

/** A logger at `level` whose JSON lines land in `lines`, parsed: for tests of what is logged. */
export function capturedLogger(level = 'info'): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger(level, sink), lines };
}
