// The message editor's segment counter, in the browser, against the hub's own splitter: for each
// text, the parts, encoding and UCS-2-forcing characters it shows are what POST /segments says.
import assert from 'node:assert/strict';
import { after, before, suite, test } from 'node:test';
import { startHub, type TestHub } from '../helpers.js';
import { browserMissing, ensureConsoleBuilt, openBrowser, type Browser } from './browser.js';

const CASES: { name: string; text: string; parts: number; encoding: string; forcing: string[] }[] = [
  { name: 'short GSM-7', text: 'Hello', parts: 1, encoding: 'GSM-7', forcing: [] },
  { name: '160 GSM-7 characters fit one part', text: 'a'.repeat(160), parts: 1, encoding: 'GSM-7', forcing: [] },
  { name: '161 take two', text: 'a'.repeat(161), parts: 2, encoding: 'GSM-7', forcing: [] },
  { name: 'an extension character stays GSM-7', text: 'Price: 10€ [ok]', parts: 1, encoding: 'GSM-7', forcing: [] },
  { name: 'ł forces UCS-2', text: 'Cześć łódź', parts: 1, encoding: 'UCS-2', forcing: ['ś', 'ć', 'ł', 'ó', 'ź'] },
  { name: '71 UCS-2 characters take two parts', text: 'ł'.repeat(71), parts: 2, encoding: 'UCS-2', forcing: ['ł'] },
  { name: 'an emoji forces UCS-2', text: 'Hi 👋', parts: 1, encoding: 'UCS-2', forcing: ['👋'] },
];

suite('message editor segment counter', { skip: browserMissing() ?? false }, () => {
  let t: TestHub;
  let b: Browser;
  before(async () => {
    ensureConsoleBuilt();
    t = await startHub();
    const p = await t.api.post('/api/v1/projects', { name: 'Acme' });
    await t.api.post(`/api/v1/projects/${p.body.id}/customers`, { customer_id: 'c-1', phone: '+12025550123' });
    b = await openBrowser();
    await b.page.goto(`${t.url}/`);
    await b.page.getByLabel(/^API key/).fill(t.adminToken);
    await b.page.getByRole('button', { name: 'Sign in' }).click();
    await b.page.getByRole('heading', { name: 'Integrations' }).waitFor();
    await b.page.goto(`${t.url}/customers/c-1`);
  });
  after(async () => {
    await b?.close();
    await t?.close();
  });

  for (const c of CASES) {
    test(c.name, async () => {
      const hub = (await t.api.post('/api/v1/segments', { text: c.text })).body;
      assert.equal(hub.parts, c.parts, 'the case matches the hub');
      assert.equal(hub.encoding, c.encoding);
      const page = b.page;
      await page.getByLabel('Reply by SMS').fill(c.text);
      const expectParts = `${hub.parts} ${hub.parts === 1 ? 'part' : 'parts'}`;
      await page.getByTestId('parts').filter({ hasText: new RegExp(`^${expectParts}$`) }).waitFor();
      await page.getByTestId('encoding').filter({ hasText: hub.encoding }).waitFor();
      const forcing = page.getByTestId('ucs2-chars');
      if (hub.non_gsm_characters.length === 0) {
        assert.equal(await forcing.count(), 0);
      } else {
        const shown = await forcing.textContent();
        for (const ch of hub.non_gsm_characters) assert.ok(shown?.includes(`“${ch}”`), `${ch} in ${shown}`);
        assert.deepEqual([...new Set(hub.non_gsm_characters)].sort(), [...c.forcing].sort());
      }
    });
  }
});
