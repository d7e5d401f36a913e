// Runtime configuration from the environment (docs/design.md, "Running"). Secrets that are absent are
// generated once into the data folder, so a restart keeps the same keys.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SecretBox, randomToken } from './core/crypto.js';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string;
  publicUrl: string;
  secretKey: string;
  adminToken: string;
  /** True when the admin token was generated here rather than given. */
  adminTokenGenerated: boolean;
  logLevel: string;
  bodyLimitBytes: number;
  /** Whole request, body included (ms; 0 = none): a client that stalls mid-body is cut off. */
  requestTimeoutMs: number;
  /** Until the request's headers are complete (ms; never more than requestTimeoutMs). */
  headersTimeoutMs: number;
  /** An idle keep-alive connection is closed after this (ms). */
  keepAliveTimeoutMs: number;
  /** Open sockets at most (0 = no cap); beyond it new connections are dropped. */
  maxConnections: number;
}

function readOrCreate(path: string, create: () => string): { value: string; created: boolean } {
  if (existsSync(path)) return { value: readFileSync(path, 'utf8').trim(), created: false };
  const value = create();
  writeFileSync(path, value + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
  return { value, created: true };
}

function intFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return n;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const requestTimeoutMs = intFromEnv(env, 'HTTP_REQUEST_TIMEOUT_MS', 30_000);
  // Node refuses a headers timeout above the request timeout; the request timeout bounds it anyway.
  const headersTimeoutMs = Math.min(intFromEnv(env, 'HTTP_HEADERS_TIMEOUT_MS', 10_000), requestTimeoutMs || Infinity);
  const port = intFromEnv(env, 'PORT', 8080);
  const host = env.HOST ?? '127.0.0.1';
  const dataDir = resolve(env.SWITCHBOARD_DATA_DIR ?? 'data');
  mkdirSync(dataDir, { recursive: true });
  const databaseUrl = env.DATABASE_URL ?? `sqlite://${join(dataDir, 'switchboard.db')}`;
  const publicUrl = (env.PUBLIC_URL ?? `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`).replace(/\/+$/, '');
  const secretKey = env.SWITCHBOARD_SECRET_KEY ?? readOrCreate(join(dataDir, 'secret.key'), () => SecretBox.generateKey()).value;
  let adminToken = env.SWITCHBOARD_ADMIN_TOKEN;
  let adminTokenGenerated = false;
  if (!adminToken) {
    const stored = readOrCreate(join(dataDir, 'admin.token'), () => `sbk_admin_${randomToken()}`);
    adminToken = stored.value;
    adminTokenGenerated = true;
  }
  return {
    port,
    host,
    dataDir,
    databaseUrl,
    publicUrl,
    secretKey,
    adminToken,
    adminTokenGenerated,
    logLevel: env.LOG_LEVEL ?? 'info',
    bodyLimitBytes: intFromEnv(env, 'BODY_LIMIT_BYTES', 1024 * 1024),
    requestTimeoutMs,
    headersTimeoutMs,
    // Above the 60 s idle timeout of common load balancers, so they never reuse a socket we closed.
    keepAliveTimeoutMs: intFromEnv(env, 'HTTP_KEEP_ALIVE_TIMEOUT_MS', 72_000),
    maxConnections: intFromEnv(env, 'HTTP_MAX_CONNECTIONS', 10_000),
  };
}
