// npm run openapi:check: builds the OpenAPI document from a real hub (temp data dir, never listening),
// then runs swagger-cli and Redocly's linter on it, so a route schema that breaks OpenAPI 3.0.3
// fails CI. `--out FILE` keeps the document.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildApp } from '../src/api/app.js';
import { loadConfig } from '../src/config.js';
import { Hub } from '../src/hub.js';
import { createLogger } from '../src/logger.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { out: { type: 'string' } } });

async function buildDocument(): Promise<unknown> {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-openapi-'));
  try {
    // A fixed token: otherwise the hub would generate one into the throwaway data dir.
    const config = loadConfig({ SWITCHBOARD_DATA_DIR: dataDir, SWITCHBOARD_ADMIN_TOKEN: 'openapi-check', LOG_LEVEL: 'silent' });
    const hub = await Hub.open(config, createLogger('silent'));
    try {
      const app = await buildApp(hub, { logger: false });
      await app.ready();
      const doc = app.swagger();
      await app.close();
      return doc;
    } finally {
      await hub.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function run(tool: string, args: string[]): boolean {
  console.log(`\n$ ${tool} ${args.join(' ')}`);
  // Redocly's update notice asks the npm registry: not from a check that must work offline.
  const env = { ...process.env, REDOCLY_SUPPRESS_NOTIFICATIONS: 'true' };
  const res = spawnSync(join(root, 'node_modules', '.bin', tool), args, { cwd: root, stdio: 'inherit', env });
  if (res.error) console.error(res.error.message);
  return res.status === 0;
}

const workDir = mkdtempSync(join(tmpdir(), 'switchboard-openapi-doc-'));
const file = values.out ? resolve(values.out) : join(workDir, 'openapi.json');
try {
  writeFileSync(file, JSON.stringify(await buildDocument(), null, 2) + '\n');
  console.log(`OpenAPI document: ${file}`);
  // Both run even when the first fails: one CI log then shows every problem.
  const results = [run('swagger-cli', ['validate', file]), run('redocly', ['lint', '--config', join(root, 'redocly.yaml'), file])];
  process.exitCode = results.every(Boolean) ? 0 : 1;
} finally {
  rmSync(workDir, { recursive: true, force: true });
}
