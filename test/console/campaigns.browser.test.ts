// The Campaigns screens in the browser (Debian's Chromium through playwright-core) against a hub
// and the Sinch SMS sandbox: build a personalised campaign with a filtered audience, preview it,
// see the estimate, launch it and watch the funnel reach delivered live; pause, resume and cancel
// a second one (and a refused action's 409 message); edit a draft; an MMS campaign with media and
// link tracking; channel fallback; quiet hours and the frequency cap. Each
// screen is checked with axe. SCREENSHOTS=1 also writes docs/console/campaign*.png.
import assert from 'node:assert/strict';
import { after, before, suite, test } from 'node:test';
import type { Page } from 'playwright-core';
import { sinchWorld, type SinchWorld } from '../fixtures.js';
import { accessible, browserMissing, ensureConsoleBuilt, field, nav, openBrowser, screenshot, signIn, type Browser } from './browser.js';

const skip = browserMissing() ?? false;

suite('campaigns in the browser', { skip }, () => {
  let w: SinchWorld;
  let b: Browser;
  let page: Page;
  const path = (p: string) => `/api/v1/projects/${w.projectId}${p}`;

  before(async () => {
    ensureConsoleBuilt();
    w = await sinchWorld({ sandbox: { delays: { dispatchedMs: 300, finalMs: 900 } } });
    const customers = [
      { customer_id: 'c-ada', phone: '+12025550121', attributes: { first_name: 'Ada', tier: 'gold' } },
      { customer_id: 'c-bob', phone: '+12025550122', attributes: { tier: 'gold' } },
      { customer_id: 'c-cy', phone: '+12025550123', attributes: { first_name: 'Cy', tier: 'silver' } },
    ];
    for (const c of customers) assert.equal((await w.t.api.post(path('/customers'), c)).status, 201);
    b = await openBrowser();
    page = b.page;
    await signIn(page, w.t.url, w.t.adminToken);
    await page.getByRole('heading', { name: 'Integrations' }).waitFor();
  });
  after(async () => {
    await b?.close();
    await w?.close();
  });

  test('build a personalised campaign: the message editor, a filter with its estimate, the policy', async () => {
    await nav(page, 'Campaigns');
    await page.getByText('No campaigns yet.').waitFor();
    await accessible(page, 'campaigns (empty)');
    await page.getByRole('link', { name: '+ New campaign' }).click();
    await page.getByRole('heading', { name: 'New campaign' }).waitFor();
    await field(page, 'Campaign name').fill('Gold offer');
    await field(page, 'Message').fill('Hi {{ customer.first_name | default: "there" }}, your gold offer is waiting');
    await page.getByTestId('parts').filter({ hasText: '1 part' }).waitFor();
    // A character outside GSM-7 shows as it is typed.
    await field(page, 'Message').pressSequentially(' ✓');
    await page.getByTestId('ucs2-chars').filter({ hasText: '✓' }).waitFor();
    await field(page, 'Message').press('Backspace');
    await field(page, 'Message').press('Backspace');
    await page.getByTestId('encoding').filter({ hasText: 'GSM-7' }).waitFor();
    // Audience: tier = gold, and not opted out.
    const first = page.getByTestId('condition').nth(0);
    await first.getByLabel('Attribute').fill('tier');
    await first.getByLabel('Value').fill('gold');
    await page.getByTestId('estimate').filter({ hasText: '2 reachable of 2' }).waitFor();
    await page.getByRole('button', { name: '+ Add condition' }).click();
    const second = page.getByTestId('condition').nth(1);
    await second.getByLabel('Type').selectOption('consent');
    await second.getByLabel('Consent').selectOption('not_opted_out');
    await page.getByTestId('estimate').filter({ hasText: '2 reachable of 2' }).waitFor();
    await page.getByRole('radio', { name: /Send anyway/ }).check();
    await accessible(page, 'new campaign');
    await screenshot(page, 'campaign-new');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByRole('heading', { name: 'Gold offer' }).waitFor();
    await page.getByTestId('campaign-state').filter({ hasText: 'draft' }).waitFor();
    const stored = (await w.t.api.get(path('/campaigns'))).body.data[0];
    assert.deepEqual(stored.audience, { type: 'filter', filter: { all: [{ attribute: 'tier', op: 'eq', value: 'gold' }, { consent: 'not_opted_out' }] } });
    assert.equal(stored.missing_variable_policy, 'default');
  });

  test('preview it for a customer, see the estimate, launch, and watch the funnel reach delivered', async () => {
    await page.getByTestId('estimate').filter({ hasText: '2 reachable' }).waitFor();
    await field(page, 'Preview for customer id').fill('c-ada');
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await page.getByTestId('preview-body').filter({ hasText: 'Hi Ada, your gold offer is waiting' }).waitFor();
    await field(page, 'Preview for customer id').fill('c-bob');
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await page.getByTestId('preview-body').filter({ hasText: 'Hi there, your gold offer' }).waitFor();
    await accessible(page, 'campaign draft');
    await page.getByRole('button', { name: 'Launch' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText(/One message is queued now for each/).waitFor();
    await page.waitForTimeout(400); // the dialog's fade-in: axe would measure half-transparent text
    await accessible(page, 'launch dialog');
    await dialog.getByRole('button', { name: 'Launch' }).click();
    await page.getByTestId('campaign-state').filter({ hasText: /launch/ }).waitFor();
    await page.getByTestId('live').filter({ hasText: 'live' }).waitFor();
    // The sandbox reports after 300 and 900 ms: the stream brings the funnel there, no reload.
    await page.locator('[data-stage="accepted"][data-count="2"]').waitFor();
    await page.locator('[data-stage="delivered"][data-count="2"]').waitFor();
    await page.getByTestId('series-chart').waitFor();
    await accessible(page, 'campaign launched');
    await screenshot(page, 'campaign');
    await nav(page, 'Campaigns');
    await page.getByTestId('compact-funnel').filter({ hasText: '2 delivered (100%)' }).waitFor();
    await accessible(page, 'campaigns list');
    await screenshot(page, 'campaigns');
  });

  test('edit a draft: its message and audience change, the preview shows the new text', async () => {
    const created = await w.t.api.post(path('/campaigns'), { name: 'Edit me', body: 'Old text', audience: { customer_ids: ['c-ada'] } });
    assert.equal(created.status, 201);
    const cid = created.body.id as string;
    await page.goto(`${w.t.url}/campaigns/${cid}`);
    await page.getByTestId('campaign-state').filter({ hasText: 'draft' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Copy into a new draft' }).count(), 0, 'a draft is edited, not copied');
    await page.getByRole('link', { name: 'Edit campaign' }).click();
    await page.getByRole('heading', { name: 'Edit “Edit me”' }).waitFor();
    assert.equal(await field(page, 'Message').inputValue(), 'Old text');
    // The stored list is kept unless replaced: the API never gives it back.
    const keep = page.getByRole('checkbox', { name: /Keep its list of 1 customer ids/ });
    assert.equal(await keep.isChecked(), true);
    await field(page, 'Message').fill('New text for {{ customer.first_name | default: "you" }}');
    await keep.uncheck();
    await page.getByText('By filter').click();
    const first = page.getByTestId('condition').nth(0);
    await first.getByLabel('Attribute').fill('tier');
    await first.getByLabel('Value').fill('silver');
    await page.getByTestId('estimate').filter({ hasText: '1 reachable of 1' }).waitFor();
    await accessible(page, 'edit campaign');
    await screenshot(page, 'campaign-edit');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: 'Edit me' }).waitFor();
    await page.getByTestId('campaign-message').filter({ hasText: 'New text for' }).waitFor();
    await page.getByTestId('estimate').filter({ hasText: '1 reachable of 1' }).waitFor();
    await field(page, 'Preview for customer id').fill('c-cy');
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await page.getByTestId('preview-body').filter({ hasText: 'New text for Cy' }).waitFor();
    const stored = (await w.t.api.get(path(`/campaigns/${cid}`))).body;
    assert.equal(stored.body, 'New text for {{ customer.first_name | default: "you" }}');
    assert.deepEqual(stored.audience, { type: 'filter', filter: { attribute: 'tier', op: 'eq', value: 'silver' } });
    assert.equal(stored.state, 'draft');
    // A bad template is refused with the hub's message on the field, and nothing changes.
    await page.getByRole('link', { name: 'Edit campaign' }).click();
    await field(page, 'Message').fill('Hi {{ customer.first_name');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('alert').filter({ hasText: /not a valid template/ }).first().waitFor();
    assert.equal((await w.t.api.get(path(`/campaigns/${cid}`))).body.body, stored.body);
  });

  test('an MMS campaign: media URLs and link tracking reach the created campaign', async () => {
    // An MMS route: a Twilio integration with a default MMS sender profile (nothing is sent here).
    const twilio = await w.t.api.post(path('/integrations'), {
      provider: 'twilio',
      name: 'Twilio MMS',
      config: { account_sid: 'AC0123456789abcdef0123456789abcdef', base_url: 'http://127.0.0.1:9' },
      secrets: { auth_token: 'x', api_key_sid: 'SK0123456789abcdef0123456789abcdef', api_key_secret: 'y' },
      rate_limit: null,
    });
    assert.equal(twilio.status, 201, JSON.stringify(twilio.body));
    assert.equal((await w.t.api.post(path('/sender-profiles'), { channel: 'mms', integration_id: twilio.body.id, sender: '+12025551000', is_default: true, name: 'MMS main' })).status, 201);
    await page.goto(`${w.t.url}/campaigns/new`);
    await page.getByRole('heading', { name: 'New campaign' }).waitFor();
    await field(page, 'Campaign name').fill('Picture day');
    await field(page, 'Channel').selectOption('mms');
    await field(page, 'Message').fill('See https://example.com/offer');
    await field(page, 'Media URLs').fill('https://example.com/a.jpg\nhttps://example.com/b.jpg');
    await field(page, 'Link tracking').selectOption('on');
    await page.getByText('By customer ids').click();
    await field(page, 'Customer ids').fill('c-ada, c-cy');
    await field(page, 'Message').scrollIntoViewIfNeeded();
    await screenshot(page, 'campaign-mms');
    // A URL that is not http(s): the hub names the entry.
    await field(page, 'Media URLs').fill('https://example.com/a.jpg\nftp://example.com/b.jpg');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByRole('alert').filter({ hasText: /media_urls\[1\] must be an http\(s\) URL/ }).first().waitFor();
    await field(page, 'Media URLs').fill('https://example.com/a.jpg\nhttps://example.com/b.jpg');
    await accessible(page, 'new MMS campaign');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByRole('heading', { name: 'Picture day' }).waitFor();
    await page.getByTestId('campaign-media').filter({ hasText: 'https://example.com/b.jpg' }).waitFor();
    const stored = (await w.t.api.get(path('/campaigns'))).body.data.find((c: { name: string }) => c.name === 'Picture day');
    assert.equal(stored.channel, 'mms');
    assert.deepEqual(stored.media_urls, ['https://example.com/a.jpg', 'https://example.com/b.jpg']);
    assert.equal(stored.track_links, true);
    assert.equal(stored.audience_size, 2);
  });

  test('channel fallback: the form names the entry the hub refuses, then saves the channels and their text', async () => {
    await page.goto(`${w.t.url}/campaigns/new`);
    await page.getByRole('heading', { name: 'New campaign' }).waitFor();
    await field(page, 'Campaign name').fill('With fallback');
    await field(page, 'Message').fill('Hi {{ customer.first_name }}');
    await page.getByText('By customer ids').click();
    await field(page, 'Customer ids').fill('c-ada');
    await page.getByRole('checkbox', { name: 'WhatsApp' }).check();
    await field(page, 'Fallback text').fill('Hi {{ customer.first_name }}, from WhatsApp');
    // No WhatsApp integration yet: refused, the message under the fallback choices.
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByText(/fallback_channels\[0\]/).first().waitFor();
    await accessible(page, 'campaign fallback refused');
    const conv = await w.t.api.post(path('/integrations'), {
      provider: 'sinch_conversation',
      name: 'Sinch WhatsApp',
      config: { project_id: 'proj-1', app_id: 'app-1', region: 'eu', base_url: 'http://127.0.0.1:9', auth_url: 'http://127.0.0.1:9/oauth2/token' },
      secrets: { access_key: 'k', access_secret: 's', webhook_signing_secret: 'w' },
      rate_limit: null,
    });
    assert.equal(conv.status, 201, JSON.stringify(conv.body));
    assert.equal((await w.t.api.put(path('/settings'), { default_whatsapp_integration_id: conv.body.id })).status, 200);
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByRole('heading', { name: 'With fallback' }).waitFor();
    await page.getByText('sms → whatsapp, sending “Hi {{ customer.first_name }}, from WhatsApp”').waitFor();
    const stored = (await w.t.api.get(path('/campaigns'))).body.data.find((c: { name: string }) => c.name === 'With fallback');
    assert.deepEqual([stored.channel, stored.fallback_channels, stored.fallback_body], ['sms', ['whatsapp'], 'Hi {{ customer.first_name }}, from WhatsApp']);
  });

  test('a second campaign: pause, resume and cancel, each with its consequences; a 409 shows its message', async () => {
    const created = await w.t.api.post(path('/campaigns'), { name: 'Silver', body: 'Hello {{ customer.first_name }}', audience: { customer_ids: ['c-cy', 'c-bob'] } });
    assert.equal(created.status, 201);
    const cid = created.body.id as string;
    assert.equal((await w.t.api.post(path(`/campaigns/${cid}/launch`))).status, 200);
    await page.goto(`${w.t.url}/campaigns`);
    await page.getByRole('link', { name: 'Silver' }).click();
    await page.getByRole('heading', { name: 'Silver' }).waitFor();
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('dialog').getByText(/queued messages wait, unsent/).waitFor();
    await page.getByRole('dialog').getByRole('button', { name: 'Pause' }).click();
    await page.getByTestId('campaign-state').filter({ hasText: 'paused' }).waitFor();
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByRole('dialog').getByText(/paused messages are queued again/).waitFor();
    await page.getByRole('dialog').getByRole('button', { name: 'Resume' }).click();
    await page.getByTestId('campaign-state').filter({ hasText: /launch/ }).waitFor();
    // Someone else cancels it meanwhile: the pause is refused with the hub's reason.
    await page.getByRole('button', { name: 'Pause' }).click();
    assert.equal((await w.t.api.post(path(`/campaigns/${cid}/cancel`))).status, 200);
    await page.getByRole('dialog').getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('dialog').getByRole('alert').getByText(/cancel/i).waitFor();
    await page.waitForTimeout(400);
    await accessible(page, 'refused pause');
    await page.getByRole('dialog').getByRole('button', { name: 'Not now' }).click();
    await page.getByTestId('campaign-state').filter({ hasText: 'cancelled' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Pause' }).count(), 0);
  });

  test('cancel a scheduled campaign from its page', async () => {
    const sendAt = new Date(Date.now() + 3_600_000).toISOString();
    const created = await w.t.api.post(path('/campaigns'), { name: 'Later', body: 'Soon', send_at: sendAt, audience: { customer_ids: ['c-ada'] } });
    assert.equal(created.body.state, 'scheduled');
    await page.goto(`${w.t.url}/campaigns/${created.body.id}`);
    await page.getByTestId('campaign-state').filter({ hasText: 'scheduled' }).waitFor();
    await page.getByRole('button', { name: 'Cancel campaign' }).click();
    await page.getByRole('dialog').getByText(/cannot be undone/).waitFor();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel campaign' }).click();
    await page.getByTestId('campaign-state').filter({ hasText: 'cancelled' }).waitFor();
    assert.equal((await w.t.api.get(path(`/campaigns/${created.body.id}`))).body.state, 'cancelled');
  });

  test('usable at 390 px: the campaign page does not scroll sideways', async (t) => {
    await page.setViewportSize({ width: 390, height: 844 });
    t.after(() => page.setViewportSize({ width: 1280, height: 900 }));
    await page.goto(`${w.t.url}/campaigns`);
    await page.getByRole('button', { name: 'Toggle navigation' }).waitFor();
    await page.getByRole('link', { name: 'Gold offer' }).click();
    await page.locator('[data-stage="delivered"][data-count="2"]').waitFor();
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
    await accessible(page, 'campaign at 390 px');
    await screenshot(page, 'campaign-mobile');
    await page.goto(`${w.t.url}/campaigns/new`);
    await page.getByRole('heading', { name: 'New campaign' }).waitFor();
    await field(page, 'Channel').selectOption('mms');
    await field(page, 'Media URLs').waitFor();
    const formOverflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    assert.ok(formOverflow <= 0, `the form scrolls sideways by ${formOverflow}px`);
  });

  test('Project settings › Campaigns: quiet hours and the frequency cap', async () => {
    await nav(page, 'Project settings › Campaigns');
    await page.getByRole('tab', { name: 'Quiet hours and cap' }).click();
    await page.getByRole('switch', { name: /quiet hours/ }).check();
    await field(page, 'Quiet from').fill('21:30');
    await field(page, 'Quiet until').fill('08:00');
    await field(page, 'Default time zone').fill('Europe/Paris');
    await page.getByRole('switch', { name: /Limit campaign messages/ }).check();
    await field(page, 'At most').fill('2');
    await field(page, 'Messages per').selectOption('day');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').getByText('Saved.').waitFor();
    const s = (await w.t.api.get(path('/settings'))).body;
    assert.deepEqual(s.quiet_hours, { start: '21:30', end: '08:00', timezone_attribute: 'timezone', default_timezone: 'Europe/Paris' });
    assert.deepEqual(s.frequency_cap, { max: 2, per: 'day' });
    // A bad zone: the hub's message, on the field.
    await field(page, 'Default time zone').fill('Mars/Olympus');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('alert').getByText(/not an IANA time zone/).first().waitFor();
    await accessible(page, 'settings quiet hours and cap');
    await screenshot(page, 'settings-campaign-rules');
  });
});
