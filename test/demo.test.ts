// What a newcomer does first: `serve --demo`, then send on every channel to the demo project and
// read the events. Runs the real CLI in its own process.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { request } from 'undici';
import { ApiClient, eventually, freePort, tempDir } from './helpers.js';
import { freePortRun } from './net.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dataDir = tempDir('switchboard-demo-');
after(() => rmSync(dataDir, { recursive: true, force: true }));

test('the demo delivers on SMS, MMS, WhatsApp and RCS with no account, and takes replies', { timeout: 60_000 }, async () => {
  const port = await freePort();
  // The four sandboxes take SANDBOX_PORT and the three after it.
  const sandboxPort = await freePortRun(4, [port]);
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve', '--demo'], {
    cwd: root,
    env: { ...process.env, SWITCHBOARD_DATA_DIR: dataDir, PORT: String(port), SANDBOX_PORT: String(sandboxPort), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? -1));
  try {
    await eventually(async () => {
      assert.equal(exited, null, 'serve --demo exited before its banner');
      return out.includes('Switchboard is running') ? true : undefined;
    }, 30_000, 'the banner');
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

    // The demo project also has a CM.com integration (not the SMS default): a send that names it.
    const integrations = await api.get('/api/v1/projects/prj_demo/integrations');
    const cm = integrations.body.data.find((i: any) => i.provider === 'cm');
    assert.ok(cm, 'the demo project has a CM.com integration');
    // It takes SMS over while the Sinch SMS default fails.
    const settings = (await api.get('/api/v1/projects/prj_demo/settings')).body;
    assert.deepEqual(settings.failover, { sms: [cm.id] });
    assert.notEqual(settings.default_sms_integration_id, cm.id);
    const viaCm = await api.post('/api/v1/projects/prj_demo/messages', { phone: '+31612345678', body: 'Hallo via CM.com', integration_id: cm.id });
    assert.equal(viaCm.status, 202, JSON.stringify(viaCm.body));
    await eventually(async () => {
      const e = await api.get(`/api/v1/projects/prj_demo/events?message_id=${viaCm.body.id}`);
      return e.body.data.some((x: any) => x.properties.status === 'delivered' && x.properties.integration_id === cm.id) ? true : undefined;
    }, 15_000, 'CM.com delivered');

    // A customer's reply, simulated the way the README shows, with no webhook URL given: the demo
    // set each sandbox's inbound target to its integration, as one does in the provider's console.
    const sms = `http://127.0.0.1:${sandboxPort}`;
    const twilio = `http://127.0.0.1:${sandboxPort + 1}`;
    const conversation = `http://127.0.0.1:${sandboxPort + 2}`;
    const cmSandbox = `http://127.0.0.1:${sandboxPort + 3}`;
    const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    const replies = [
      { from: '+12025550100', channel: 'sms', send: () => request(`${sms}/sandbox/v1/demo/inbound`, { method: 'POST', headers: { authorization: 'Bearer demo-token', 'content-type': 'application/json' }, body: JSON.stringify({ from: '12025550100', to: '12025550000', body: 'Thanks!' }) }) },
      { from: '+12025550101', channel: 'sms', send: () => request(`${twilio}/sandbox/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Inbound.json`, { method: 'POST', headers: { authorization: basic('ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'demo-auth-token'), 'content-type': 'application/x-www-form-urlencoded' }, body: 'From=%2B12025550101&To=%2B15005550006&Body=Nice+picture' }) },
      { from: '+447911123456', channel: 'whatsapp', send: () => request(`${conversation}/sandbox/v1/projects/demo-project/apps/demo-app/inbound`, { method: 'POST', headers: { authorization: basic('demo-key', 'demo-secret'), 'content-type': 'application/json' }, body: JSON.stringify({ channel: 'WHATSAPP', from: '447911123456', text: 'Hi back' }) }) },
      { from: '+31612345678', channel: 'sms', send: () => request(`${cmSandbox}/sandbox/inbound`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ producttoken: '00000000-0000-4000-8000-00000000c0de', from: '+31612345678', to: '3669', body: 'Dank je' }) }) },
    ];
    for (const r of replies) {
      const res = await r.send();
      const answer = await res.body.text();
      assert.equal(res.statusCode, 200, `${r.channel} reply from ${r.from}: ${answer}`);
      await eventually(async () => {
        const e = await api.get('/api/v1/projects/prj_demo/events?status=incoming_message');
        return e.body.data.some((x: any) => x.properties.recipient === r.from || x.properties.sender === r.from) ? true : undefined;
      }, 15_000, `incoming_message from ${r.from}`);
    }
  } finally {
    if (exited === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    }
  }
});
