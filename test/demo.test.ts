// What a newcomer does first: `serve --demo`, then send on every channel to the demo project and
// read the events. Runs the real CLI in its own process.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { ApiClient, eventually, freePort, tempDir } from './helpers.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dataDir = tempDir('switchboard-demo-');
after(() => rmSync(dataDir, { recursive: true, force: true }));

test('the demo delivers on SMS, MMS, WhatsApp and RCS with no account', { timeout: 60_000 }, async () => {
  const port = await freePort();
  const sandboxPort = (await freePort()) + 10;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve', '--demo'], {
    cwd: root,
    env: { ...process.env, SWITCHBOARD_DATA_DIR: dataDir, PORT: String(port), SANDBOX_PORT: String(sandboxPort), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  try {
    await eventually(async () => (out.includes('Switchboard is running') ? true : undefined), 30_000, 'the banner');
    const token = /Admin token:\s+(\S+)/.exec(out)?.[1];
    assert.ok(token?.startsWith('sbk_admin_'), 'the console prints the admin token');
    assert.match(out, new RegExp(`API:\\s+http://127.0.0.1:${port}/api/v1`));
    const api = new ApiClient(`http://127.0.0.1:${port}`, token!);
    const sends = [
      { body: { phone: '+12025550100', body: 'Hello from Switchboard' }, last: 'delivered' },
      { body: { phone: '+12025550101', channel: 'mms', body: 'A picture', media_urls: ['https://example.com/a.jpg'] }, last: 'delivered' },
      { body: { phone: '+447911123456', channel: 'whatsapp', body: 'Hi on WhatsApp' }, last: 'read' },
      { body: { phone: '+447911123457', channel: 'rcs', body: 'Hi on RCS' }, last: 'read' },
    ];
    for (const s of sends) {
      const res = await api.post('/api/v1/projects/prj_demo/messages', s.body);
      assert.equal(res.status, 202, JSON.stringify(res.body));
      await eventually(async () => {
        const e = await api.get(`/api/v1/projects/prj_demo/events?message_id=${res.body.id}`);
        return e.body.data.some((x: any) => x.properties.status === s.last) ? true : undefined;
      }, 15_000, `${s.body.channel ?? 'sms'} ${s.last}`);
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
});
