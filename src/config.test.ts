import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { adminTokenLine, startBanner } from './banner.js';
import { loadConfig, parseDatabaseUrl, redactDatabaseUrl } from './config.js';
import { migrate, openDatabase } from './store/db.js';

const root = mkdtempSync(join(tmpdir(), 'switchboard-config-'));
after(() => rmSync(root, { recursive: true, force: true }));

const mode = (path: string) => statSync(path).mode & 0o777;

test('the admin token is printed on the start that generated it, and never again', () => {
  const dataDir = join(root, 'tokens');
  const first = loadConfig({ SWITCHBOARD_DATA_DIR: dataDir });
  assert.equal(first.adminTokenSource, 'generated');
  assert.ok(startBanner(first, null).join('\n').includes(first.adminToken));

  const again = loadConfig({ SWITCHBOARD_DATA_DIR: dataDir });
  assert.equal(again.adminTokenSource, 'file');
  assert.equal(again.adminToken, first.adminToken);
  const banner = startBanner(again, { projectId: 'prj_demo', sandboxes: [] }).join('\n');
  assert.ok(!banner.includes(first.adminToken), banner);
  assert.match(adminTokenLine(again), /admin\.token/);

  const fromEnv = loadConfig({ SWITCHBOARD_DATA_DIR: dataDir, SWITCHBOARD_ADMIN_TOKEN: 'sbk_env_token' });
  assert.equal(fromEnv.adminTokenSource, 'env');
  assert.ok(!startBanner(fromEnv, { projectId: 'prj_demo', sandboxes: [] }).join('\n').includes('sbk_env_token'));
});

test('the data folder, its keys and the database are owner-only', async () => {
  const dataDir = join(root, 'fresh', 'data');
  const config = loadConfig({ SWITCHBOARD_DATA_DIR: dataDir });
  assert.equal(mode(dataDir), 0o700);
  assert.equal(mode(join(dataDir, 'admin.token')), 0o600);
  assert.equal(mode(join(dataDir, 'secret.key')), 0o600);
  const db = openDatabase(config.databaseUrl);
  await migrate(db);
  const file = config.databaseUrl.slice('sqlite://'.length);
  for (const f of [file, `${file}-wal`, `${file}-shm`]) assert.equal(mode(f), 0o600, f);
  await db.destroy();
});

test('ALLOW_LOOPBACK_PROVIDER_URLS: off unless set, true/false words only', () => {
  const dataDir = join(root, 'loopback');
  assert.equal(loadConfig({ SWITCHBOARD_DATA_DIR: dataDir }).allowLoopbackProviderUrls, false);
  assert.equal(loadConfig({ SWITCHBOARD_DATA_DIR: dataDir, ALLOW_LOOPBACK_PROVIDER_URLS: '' }).allowLoopbackProviderUrls, false);
  for (const on of ['true', '1', 'yes', 'on', ' TRUE ']) assert.equal(loadConfig({ SWITCHBOARD_DATA_DIR: dataDir, ALLOW_LOOPBACK_PROVIDER_URLS: on }).allowLoopbackProviderUrls, true, on);
  for (const off of ['false', '0', 'no', 'off']) assert.equal(loadConfig({ SWITCHBOARD_DATA_DIR: dataDir, ALLOW_LOOPBACK_PROVIDER_URLS: off }).allowLoopbackProviderUrls, false, off);
  // A typo must not quietly leave it off (or on).
  for (const bad of ['ture', '2', 'enabled']) assert.throws(() => loadConfig({ SWITCHBOARD_DATA_DIR: dataDir, ALLOW_LOOPBACK_PROVIDER_URLS: bad }), /ALLOW_LOOPBACK_PROVIDER_URLS must be true or false/, bad);
});

test('storage bounds: defaults, values from the environment, 0 for no bound, and a clear error for anything else', () => {
  const dataDir = join(root, 'bounds');
  assert.deepEqual(loadConfig({ SWITCHBOARD_DATA_DIR: dataDir }).storage, {
    callbackRetentionDays: 8,
    ingestRejectionRetentionDays: 30,
    ingestRejectionsMax: 10_000,
    callbackPendingMax: 10_000,
    callbackPendingMaxBytes: 100 * 1024 * 1024,
  });
  const set = loadConfig({
    SWITCHBOARD_DATA_DIR: dataDir,
    CALLBACK_RETENTION_DAYS: '0',
    INGEST_REJECTION_RETENTION_DAYS: '90',
    INGEST_REJECTIONS_MAX: '500',
    CALLBACK_PENDING_MAX: '3',
    CALLBACK_PENDING_MAX_BYTES: '0',
  }).storage;
  assert.deepEqual(set, { callbackRetentionDays: 0, ingestRejectionRetentionDays: 90, ingestRejectionsMax: 500, callbackPendingMax: 3, callbackPendingMaxBytes: 0 });
  for (const [name, value] of [['CALLBACK_RETENTION_DAYS', '7d'], ['INGEST_REJECTIONS_MAX', '-1'], ['CALLBACK_PENDING_MAX_BYTES', '1.5']]) {
    assert.throws(() => loadConfig({ SWITCHBOARD_DATA_DIR: dataDir, [name!]: value! }), { message: `${name} must be a non-negative integer, got "${value}"` });
  }
});

test('DATABASE_URL: SQLite by default or by sqlite:// and file:, PostgreSQL by postgres://, a clear error for anything else', () => {
  const dataDir = join(root, 'database-url');
  assert.equal(loadConfig({ SWITCHBOARD_DATA_DIR: dataDir }).databaseUrl, `sqlite://${join(dataDir, 'switchboard.db')}`);
  assert.equal(loadConfig({ SWITCHBOARD_DATA_DIR: dataDir, DATABASE_URL: '' }).databaseUrl, `sqlite://${join(dataDir, 'switchboard.db')}`);
  assert.deepEqual(parseDatabaseUrl('sqlite:///var/lib/switchboard.db'), { kind: 'sqlite', path: '/var/lib/switchboard.db' });
  assert.deepEqual(parseDatabaseUrl('file:./data/x.db'), { kind: 'sqlite', path: './data/x.db' });
  for (const url of ['postgres://sb:secret@db.internal:5432/switchboard', 'postgresql://localhost/switchboard?sslmode=require']) {
    assert.deepEqual(parseDatabaseUrl(url), { kind: 'postgres', url });
    assert.equal(loadConfig({ SWITCHBOARD_DATA_DIR: dataDir, DATABASE_URL: url }).databaseUrl, url);
  }
  const refused: [string, RegExp][] = [
    ['mysql://root@localhost/sb', /unsupported DATABASE_URL "mysql:\/\/\*\*\*@localhost\/sb": use sqlite:\/\/<path> or postgres:\/\//],
    ['./data/switchboard.db', /unsupported DATABASE_URL/],
    ['postgres://sb:secret@db.internal:5432', /names no database/],
    ['postgres://sb:secret@db.internal:notaport/sb', /is not a valid URL/],
  ];
  for (const [url, message] of refused) {
    assert.throws(() => loadConfig({ SWITCHBOARD_DATA_DIR: dataDir, DATABASE_URL: url }), message, url);
    // The password never shows in the error.
    assert.throws(() => parseDatabaseUrl(url), (err: Error) => !err.message.includes('secret'), url);
  }
  assert.equal(redactDatabaseUrl('postgres://sb:secret@h/db?password=also'), 'postgres://***@h/db?password=***');
});
