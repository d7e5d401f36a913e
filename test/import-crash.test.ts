// A bulk import survives kill -9: the hub is killed mid-import, the store then holds exactly the
// rows the job's checkpoint says landed, and after a restart the import resumes from there and
// ends with every row once. Then the CLI imports a file into the same hub and reports failures.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { openDatabase } from '../src/store/db.js';
import { ApiClient, eventually, freePort, tempDir } from './helpers.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const TOKEN = 'import-crash-admin-token';
const ROWS = 150_000;

function startProcess(dataDir: string, port: number): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
    cwd: root,
    env: { ...process.env, SWITCHBOARD_DATA_DIR: dataDir, PORT: String(port), SWITCHBOARD_ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'error' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function ready(api: ApiClient): Promise<void> {
  await eventually(async () => ((await api.get('/readyz').catch(() => ({ status: 0 }))).status === 200 ? true : undefined), 30_000, 'the hub to be ready');
}

const dataDir = tempDir('switchboard-import-crash-');
after(() => rmSync(dataDir, { recursive: true, force: true }));

test('an import killed with SIGKILL holds exactly its checkpoint, then resumes to every row once; the CLI follows an import', { timeout: 180_000 }, async (t) => {
  const file = join(dataDir, 'customers.csv');
  const lines = ['customer_id,phone,first_name,score:number'];
  for (let i = 0; i < ROWS; i++) lines.push(`c${i},+1202${String(5550000 + (i % 10000)).padStart(7, '0')},Name ${i},${i}`);
  writeFileSync(file, lines.join('\n') + '\n');

  const port = await freePort();
  const api = new ApiClient(`http://127.0.0.1:${port}`, TOKEN);
  let child = startProcess(dataDir, port);
  t.after(() => child.kill('SIGKILL'));
  await ready(api);
  const pid = (await api.post('/api/v1/projects', { name: 'Import' })).body.id as string;
  const up = await api.call('POST', `/api/v1/projects/${pid}/imports`, readFileSync(file), { 'content-type': 'text/csv' });
  assert.equal(up.status, 202);
  const id = up.body.id as string;

  await eventually(async () => ((await api.get(`/api/v1/projects/${pid}/imports/${id}`)).body.rows_processed >= 10_000 ? true : undefined), 60_000, 'the import to be under way');
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));

  // What the store holds after the kill is exactly what the checkpoint says.
  const db = openDatabase(`sqlite://${join(dataDir, 'switchboard.db')}`);
  const job = await db.selectFrom('imports').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const counted = await db
    .selectFrom('customers')
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max<number>(eb.cast<number>(eb.fn('substr', ['customer_id', eb.val(2)]), 'integer')).as('last')])
    .where('project_id', '=', pid)
    .executeTakeFirstOrThrow();
  await db.destroy();
  const landed = Number(counted.n);
  const lastId = Number(counted.last);
  assert.equal(job.state, 'running');
  assert.ok(Number(job.rows_processed) < ROWS, 'killed mid-import');
  assert.equal(landed, Number(job.rows_created));
  assert.equal(Number(job.rows_processed), Number(job.rows_created));
  assert.equal(Number(job.line), Number(job.rows_processed) + 1, 'line = header + rows');
  assert.equal(lastId, Number(job.rows_processed) - 1, 'the rows that landed are the first ones');

  child = startProcess(dataDir, port);
  await ready(api);
  const finished = await eventually(async () => {
    const j = (await api.get(`/api/v1/projects/${pid}/imports/${id}`)).body;
    return j.state === 'done' ? j : undefined;
  }, 120_000, 'the import to resume and finish');
  assert.deepEqual([finished.rows_total, finished.rows_created, finished.rows_updated, finished.rows_failed], [ROWS, ROWS, 0, 0]);
  const last = await api.get(`/api/v1/projects/${pid}/customers/c${ROWS - 1}`);
  assert.deepEqual(last.body.attributes, { first_name: `Name ${ROWS - 1}`, score: ROWS - 1 });

  // The CLI: an NDJSON file with one bad line; not a TTY, so plain progress lines.
  const nd = join(dataDir, 'more.ndjson');
  writeFileSync(nd, ['{"customer_id":"c1","attributes":{"vip":true}}', '{"customer_id":"z1","phone":"+12025550199"}', '{"customer_id":"z2","phone":"bad"}'].join('\n'));
  const cli = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'import', nd, '--project', pid, '--url', `http://127.0.0.1:${port}`, '--poll-ms', '100'], {
    cwd: root,
    env: { ...process.env, SWITCHBOARD_API_KEY: TOKEN },
    encoding: 'utf8',
  });
  assert.equal(cli.status, 1, cli.stdout + cli.stderr);
  assert.match(cli.stdout, /done: 3 rows, 1 created, 1 updated, 1 failed/);
  assert.match(cli.stdout, new RegExp(`GET http://127.0.0.1:${port}/api/v1/projects/${pid}/imports/imp_[0-9a-z]+/errors`));
  assert.deepEqual((await api.get(`/api/v1/projects/${pid}/customers/c1`)).body.attributes, { first_name: 'Name 1', score: 1, vip: true });
  const usage = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'import', nd], { cwd: root, encoding: 'utf8' });
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /usage: switchboard import/);
});
