// The console in a real browser (Debian's Chromium through playwright-core) against a real hub
// and the Sinch SMS sandbox: an operator's first day, screen by screen, each checked with axe.
// SCREENSHOTS=1 also writes docs/console/*.png.
import assert from 'node:assert/strict';
import { after, before, suite, test } from 'node:test';
import type { Page } from 'playwright-core';
import { createSinchSmsSandbox, type SinchSmsSandbox } from '../../src/sandboxes/sinch-sms/server.js';
import { eventually, startHub, type TestHub } from '../helpers.js';
import { accessible, browserMissing, ensureConsoleBuilt, field, nav, openBrowser, screenshot, signIn, type Browser } from './browser.js';

const skip = browserMissing() ?? false;
const OUR_NUMBER = '+12025550999';
const PHONE = '+12025550123';

suite('console in the browser', { skip }, () => {
  let sandbox: SinchSmsSandbox;
  let t: TestHub;
  let b: Browser;
  let page: Page;
  let integrationId = '';
  let projectKey = '';

  before(async () => {
    ensureConsoleBuilt();
    sandbox = createSinchSmsSandbox({ servicePlans: [{ id: 'plan1', token: 'token-1' }], delays: { dispatchedMs: 300, finalMs: 900 }, retryBaseMs: 50 });
    await sandbox.listen(0, '127.0.0.1');
    t = await startHub();
    b = await openBrowser();
    page = b.page;
  });
  after(async () => {
    await b?.close();
    await t?.close();
    await sandbox?.close();
  });

  test('a bad key shows the reason on the sign-in screen (signing in by keyboard alone)', async () => {
    await page.goto(`${t.url}/`);
    // The key field takes the focus. (Polled from here: waitForFunction evaluates a string, which the console's CSP forbids.)
    await eventually(async () => ((await page.evaluate<boolean>("document.activeElement?.getAttribute('type') === 'password'")) ? true : undefined), 10_000, 'focus on the key field');
    await page.keyboard.type('not-a-key');
    assert.equal(await field(page, 'API key').inputValue(), 'not-a-key');
    await page.keyboard.press('Enter');
    await page.getByRole('alert').getByText(/not valid/).waitFor();
    await accessible(page, 'sign in');
    await screenshot(page, 'sign-in');
  });

  test('the admin signs in and creates the first project; the key is in no script-readable place', async () => {
    await signIn(page, t.url, t.adminToken);
    await page.getByText('No project yet').waitFor();
    await field(page, 'Project name').fill('Acme');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('heading', { name: 'Integrations' }).waitFor();
    const readable = await page.evaluate<string>('JSON.stringify({ c: document.cookie, l: { ...localStorage }, s: { ...sessionStorage } })');
    assert.ok(!readable.includes(t.adminToken), readable);
    assert.ok(!readable.includes('sb_session'), 'the session cookie is HttpOnly');
    await page.getByText('No integrations yet').waitFor();
    await accessible(page, 'integrations (empty)');
  });

  test('+ Add new integration: search, the documented fields, save, the callback URLs, verify', async () => {
    await page.getByRole('link', { name: '+ Add new integration' }).click();
    await field(page, 'Search providers').fill('Sinch Mobile Messaging');
    await page.getByRole('button', { name: /Choose Sinch Mobile Messaging/ }).waitFor();
    assert.equal(await page.getByRole('button', { name: /Choose Sinch SMS/ }).count(), 0, 'the search narrows the list');
    await page.getByRole('button', { name: /Choose Sinch Mobile Messaging/ }).click();
    for (const label of ['Project ID', 'App ID', 'Region', 'Access Key', 'Access Secret']) {
      assert.ok((await field(page, label).count()) >= 1, label);
    }
    await accessible(page, 'add integration (Sinch Mobile Messaging form)');
    await screenshot(page, 'add-integration');
    await page.getByRole('button', { name: 'Choose another provider' }).click();
    await field(page, 'Search providers').fill('sinch sms');
    await page.getByRole('button', { name: /Choose Sinch SMS/ }).click();
    await field(page, 'Integration name').fill('Sinch US');
    await field(page, 'Service plan ID').fill('plan1');
    await page.getByText('Advanced: API endpoints').click();
    await field(page, 'Base URL').fill(sandbox.url);
    await field(page, 'API token').fill('token-1');
    await page.getByRole('button', { name: 'Save integration' }).click();
    await page.getByText('Integration saved').waitFor();
    integrationId = /\/integrations\/([^/?]+)/.exec(page.url())![1]!;
    const inbound = field(page, 'Inbound messages URL');
    assert.match(await inbound.inputValue(), new RegExp(`/webhooks/${integrationId}/`));
    await page.getByRole('button', { name: 'Copy Inbound messages URL' }).waitFor();
    assert.equal(await field(page, 'API token').inputValue(), '', 'a secret is never shown');
    assert.equal(await page.getByPlaceholder('•••••• (set)').count(), 1, 'only that it is set');
    await page.getByRole('button', { name: 'Verify credentials' }).click();
    await page.getByTestId('verify-result').filter({ hasText: 'verified' }).waitFor();
    // Edit: a new rate limit, the secret left as it is.
    await field(page, 'Rate limit').fill('25');
    await page.getByRole('button', { name: 'Save integration' }).click();
    await page.getByText('Saved.').waitFor();
    const stored = (await t.api.get(`/api/v1/projects/${await projectId()}/integrations/${integrationId}`)).body;
    assert.equal(stored.rate_limit, 25);
    assert.deepEqual(stored.secrets_set, ['api_token'], 'the stored token is kept');
    await page.getByText('not checked since its last change').waitFor();
    await page.getByRole('button', { name: 'Verify credentials' }).click();
    await page.getByTestId('verify-result').filter({ hasText: 'verified' }).waitFor();
    // Delete states its consequences before anything happens.
    await page.getByRole('button', { name: 'Delete integration' }).click();
    await page.getByRole('dialog').getByText(/queued for it are cancelled/).waitFor();
    await page.getByRole('button', { name: 'Keep it' }).click();
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    await accessible(page, 'integration detail');
    await screenshot(page, 'integration');
  });

  test('Project settings › Channels: make it the default SMS provider', async () => {
    await nav(page, 'Project settings › Channels');
    await field(page, 'Default SMS Provider').first().click();
    await page.getByRole('option', { name: 'Sinch US' }).click();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').getByText('Saved.').waitFor();
    // A second SMS integration to take over while Sinch US is failing.
    const pid = await projectId();
    const spare = await t.api.post(`/api/v1/projects/${pid}/integrations`, {
      provider: 'sinch_sms',
      name: 'Sinch spare',
      config: { service_plan_id: 'plan1', base_url: sandbox.url },
      secrets: { api_token: 'token-1' },
    });
    assert.equal(spare.status, 201);
    await page.reload();
    await field(page, 'Failover for SMS and MMS').first().click();
    await page.getByRole('option', { name: 'Sinch spare' }).click();
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').getByText('Saved.').waitFor();
    const stored = (await t.api.get(`/api/v1/projects/${pid}/settings`)).body;
    assert.deepEqual([stored.default_sms_integration_id, stored.failover.sms], [integrationId, [spare.body.id]]);
    await accessible(page, 'settings channels');
    await screenshot(page, 'settings-channels');
    await nav(page, 'Integrations');
    await page.getByRole('cell', { name: 'SMS/MMS' }).waitFor();
    await screenshot(page, 'integrations');
  });

  test('Project settings › Campaigns: tabs for sender profiles, keywords, mapping', async () => {
    await nav(page, 'Project settings › Campaigns');
    await page.getByRole('tab', { name: 'SMS' }).waitFor();
    await field(page, 'Opt-out keywords').waitFor();
    await accessible(page, 'settings campaigns');
    await screenshot(page, 'settings-campaigns');
    await page.getByRole('tab', { name: 'Mapping' }).click();
    await field(page, 'Event name for SMS and MMS').waitFor();
  });

  test('add a customer, send from the console, watch enqueued → delivered arrive live', async () => {
    await nav(page, 'Customers');
    await field(page, 'Customer id').fill('c-1');
    await field(page, 'Phone').fill('not a phone');
    await page.getByRole('button', { name: 'Add customer' }).click();
    // An API error shows the hub's message and the field at fault.
    await page.getByRole('alert').getByText('Field: phone').waitFor();
    await field(page, 'Phone').fill(PHONE);
    await page.getByRole('button', { name: 'Add customer' }).click();
    await page.getByRole('heading', { name: 'c-1' }).waitFor();
    await page.getByTestId('live').filter({ hasText: 'live' }).waitFor();
    await field(page, 'Reply by SMS').fill('Hello from the console');
    await page.getByTestId('parts').filter({ hasText: '1 part' }).waitFor();
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    const row = page.getByTestId('timeline-row').first();
    await row.locator('[data-status="enqueued"]').waitFor();
    // The sandbox reports after 300 and 900 ms: these chips come from the stream, no reload.
    await row.locator('[data-status="delivered"]').waitFor();
    const chips = await row.locator('[data-status]').evaluateAll((els) => els.map((e) => e.getAttribute('data-status')));
    assert.deepEqual(chips, ['enqueued', 'sent', 'delivered']);
    await page.getByTestId('thread').getByText('Hello from the console').waitFor();
    await row.getByRole('button', { name: /Details of/ }).click();
    await page.getByText('"recipient": "+12025550123"').first().waitFor();
    await accessible(page, 'customer profile');
    await row.getByRole('button', { name: /Details of/ }).click();
  });

  test('a STOP reply shows the opt-out in consent, its audit trail and the thread', async () => {
    const integration = await t.api.get(`/api/v1/projects/${await projectId()}/integrations/${integrationId}`);
    const res = await sandbox.injectInbound({ servicePlanId: 'plan1', from: PHONE, to: OUR_NUMBER, body: 'STOP', url: integration.body.webhook_urls.inbound });
    assert.equal(res.status, 200);
    await page.getByTestId('consent-sms').filter({ hasText: 'opted out' }).waitFor();
    await page.getByTestId('consent-history').getByText('opt_out').first().waitFor();
    await page.getByTestId('thread').locator('[data-direction="inbound"]').getByText('STOP').waitFor();
    await page.getByTestId('thread').getByText(/unsubscribed/).waitFor();
    await accessible(page, 'customer profile after STOP');
    await screenshot(page, 'customer');
  });

  test('Customers: search finds a profile by phone in any notation, and says when nobody has it', async () => {
    await nav(page, 'Customers');
    await field(page, 'Search by customer id or phone').fill('+1 (202) 555-0123');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByRole('heading', { name: 'c-1' }).waitFor();
    await nav(page, 'Customers');
    await field(page, 'Search by customer id or phone').fill('+12025550199');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByText('No customer with id or phone “+12025550199”.').waitFor();
  });

  test('Messages: the log, live, and a message with its events and last error', async () => {
    await nav(page, 'Messages');
    await page.getByTestId('message-row').first().waitFor();
    await accessible(page, 'messages');
    await screenshot(page, 'messages');
    await page.getByTestId('message-row').last().getByRole('link').click();
    await page.getByRole('heading', { name: /^Message msg_/ }).waitFor();
    await page.getByText('Last error').waitFor();
    // Each request to a provider, with the integration it went through.
    const attempts = page.getByRole('table', { name: 'Send attempts' });
    await attempts.getByRole('cell', { name: 'accepted' }).first().waitFor();
    await attempts.getByRole('link', { name: integrationId }).first().waitFor();
    await accessible(page, 'message detail');
    await screenshot(page, 'message');
  });

  test('Direct-send receipts, Health and API keys (a new key shown once)', async () => {
    await nav(page, 'Direct-send receipts');
    assert.match(await field(page, 'Ingest URL').inputValue(), /\/ingest\/sinch\//);
    await accessible(page, 'direct send');
    await screenshot(page, 'direct-send');
    await nav(page, 'Health');
    await page.getByRole('cell', { name: 'Sinch US' }).waitFor();
    await page.getByText(/accepted: \d+/).waitFor();
    await accessible(page, 'health');
    await screenshot(page, 'health');
    await nav(page, 'API keys');
    await field(page, 'Key name').fill('ops');
    await page.getByRole('button', { name: 'Create key' }).click();
    projectKey = await field(page, 'New key “ops”').inputValue();
    assert.match(projectKey, /^sbk_/);
    await accessible(page, 'api keys');
    await screenshot(page, 'api-keys');
  });

  test('usable at 390 px: no sideways scrolling, navigation behind the menu button', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await nav(page, 'Customers').catch(async () => {
      await page.getByRole('button', { name: 'Toggle navigation' }).click();
      await nav(page, 'Customers');
    });
    await page.getByRole('link', { name: 'c-1' }).click();
    await page.getByRole('heading', { name: 'c-1' }).waitFor();
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
    await accessible(page, 'customer profile at 390 px');
    await screenshot(page, 'customer-mobile');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  test('a project key sees the settings disabled, with the reason', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await field(page, 'API key').waitFor();
    await signIn(page, t.url, projectKey);
    await page.getByTestId('role').filter({ hasText: 'project key' }).waitFor();
    await nav(page, 'Project settings › Channels');
    await page.getByTestId('admin-only').waitFor();
    assert.ok(await field(page, 'Default SMS Provider').first().isDisabled());
    assert.ok(await page.getByRole('button', { name: 'Save' }).isDisabled());
    await nav(page, 'Integrations');
    assert.ok(await page.getByRole('button', { name: '+ Add new integration' }).isDisabled());
    assert.equal(await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'API keys' }).count(), 0);
    await accessible(page, 'integrations as a project key');
  });

  test("too many failed sign-ins: the hub's 429 message on the sign-in screen", async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await field(page, 'API key').waitFor();
    // As a client behind the hub's proxy, so the rest of this suite (from loopback) can still sign in.
    const client = { 'x-forwarded-for': '203.0.113.77' };
    await page.setExtraHTTPHeaders(client);
    for (let i = 0; i < 10; i++) assert.equal((await t.api.withToken(null).post('/api/v1/session', { api_key: `guess-${i}` }, client)).status, 401);
    await field(page, 'API key').fill(projectKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText(/Too many failed sign-ins from this address: try again in 5 minutes/).waitFor();
    await accessible(page, 'sign in refused (429)');
    await page.setExtraHTTPHeaders({});
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('role').filter({ hasText: 'project key' }).waitFor();
  });

  test('a stopped hub shows an error, not a blank page', async () => {
    await t.close({ keepData: true });
    await nav(page, 'Customers');
    await page.getByText('The hub is not reachable').first().waitFor({ timeout: 15_000 });
    await page.getByRole('heading', { name: 'Customers' }).waitFor();
  });

  async function projectId(): Promise<string> {
    return (await t.api.get('/api/v1/projects')).body.data[0].id;
  }
});
