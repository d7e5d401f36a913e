import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CompiledQuery, sql } from 'kysely';
import { parseFilter } from '../core/audience.js';
import * as audienceStore from './audiences.js';
import * as campaignStore from './campaigns.js';
import * as consentStore from './consents.js';
import * as customerStore from './customers.js';
import { campaignRow, customerRow, eventRow, projectRow, seedEvents } from './fixtures.js';
import * as projectStore from './projects.js';
import { storeBackends, type TestStore } from './testing.js';

const NOW = Date.UTC(2026, 5, 15, 12);
const DAY = 86_400_000;
const CTX = { channel: 'sms' as const, now: NOW };

// Customers (customer_id = the key) and what they hold. cus_x is another project's: never matched.
const CUSTOMERS: Record<string, { attributes: Record<string, unknown>; phone?: boolean }> = {
  gold: { attributes: { tier: 'gold', age: 41, vip: true, signup: '2026-01-10', last_order: '2026-06-10T08:00:00Z' }, phone: true },
  silver: { attributes: { tier: 'silver', age: 17, vip: false, signup: '2025-11-30T23:00:00-02:00', last_order: '2026-03-01' }, phone: true },
  bronze: { attributes: { tier: 'bronze', age: '30', signup: 'last year' }, phone: true },
  numtier: { attributes: { tier: 5, age: 65.5, note: null }, phone: true },
  bare: { attributes: {} },
  nested: { attributes: { tier: { name: 'gold' }, 'weird-key': 'x' }, phone: true },
};
const ALL = Object.keys(CUSTOMERS);

for (const backend of await storeBackends()) describe(`audience store: a filter compiled to SQL (${backend.kind})`, { skip: backend.skip }, () => {
  let store: TestStore;
  before(async () => {
    store = await backend.open();
    await projectStore.insert(store.db, projectRow('prj_1'));
    await projectStore.insert(store.db, projectRow('prj_2'));
    await campaignStore.insert(store.db, campaignRow('cmp_spring', 'prj_1'));
    await campaignStore.insert(store.db, campaignRow('cmp_summer', 'prj_1'));
    let n = 0;
    for (const [key, c] of Object.entries(CUSTOMERS)) {
      await customerStore.insert(store.db, customerRow(`cus_${key}`, 'prj_1', { customer_id: key, attributes: JSON.stringify(c.attributes), phone: c.phone ? `+4670000000${n++}` : null }));
    }
    await customerStore.insert(store.db, customerRow('cus_x', 'prj_2', { customer_id: 'gold', attributes: '{"tier":"gold"}', phone: '+46700000099' }));
    const consent = (key: string, channel: 'sms' | 'whatsapp', optedOut: boolean) =>
      consentStore.set(store.db, { projectId: 'prj_1', customerRef: `cus_${key}`, channel, optedOut, now: 1 });
    await consent('gold', 'sms', false);
    await consent('silver', 'sms', true);
    await consent('bronze', 'whatsapp', true);
    const ev = (key: string, status: string, campaign: string | null, daysAgo: number) =>
      eventRow({ customer_ref: `cus_${key}`, customer_id: key, status, campaign_id: campaign, timestamp: NOW - daysAgo * DAY });
    await seedEvents(store.db, [
      ev('gold', 'enqueued', 'cmp_spring', 20),
      ev('gold', 'delivered', 'cmp_spring', 20),
      ev('gold', 'clicked', 'cmp_spring', 19),
      ev('silver', 'enqueued', 'cmp_summer', 2),
      ev('silver', 'read', 'cmp_summer', 2),
      ev('bronze', 'enqueued', 'cmp_summer', 1),
      ev('bronze', 'failed', 'cmp_summer', 1),
      ev('numtier', 'delivered', null, 1), // a transactional message: no campaign
      ev('cus_x', 'delivered', 'cmp_summer', 1),
    ]);
  });
  after(() => store.close());

  const cases: { name: string; filter: unknown; match: string[] }[] = [
    { name: 'eq string', filter: { attribute: 'tier', op: 'eq', value: 'gold' }, match: ['gold'] },
    { name: 'eq number is not the string', filter: { attribute: 'tier', op: 'eq', value: 5 }, match: ['numtier'] },
    { name: 'eq boolean true', filter: { attribute: 'vip', op: 'eq', value: true }, match: ['gold'] },
    { name: 'eq boolean false', filter: { attribute: 'vip', op: 'eq', value: false }, match: ['silver'] },
    { name: 'eq 1 is not true', filter: { attribute: 'vip', op: 'eq', value: 1 }, match: [] },
    { name: 'ne includes those without the attribute', filter: { attribute: 'tier', op: 'ne', value: 'gold' }, match: ['silver', 'bronze', 'numtier', 'bare', 'nested'] },
    { name: 'in strings and numbers', filter: { attribute: 'tier', op: 'in', value: ['silver', 'bronze', 5] }, match: ['silver', 'bronze', 'numtier'] },
    { name: 'exists (an object counts, null does not)', filter: { attribute: 'tier', op: 'exists' }, match: ['gold', 'silver', 'bronze', 'numtier', 'nested'] },
    { name: 'exists on a null value', filter: { attribute: 'note', op: 'exists' }, match: [] },
    { name: 'not_exists', filter: { attribute: 'tier', op: 'not_exists' }, match: ['bare'] },
    { name: 'a key with a dash', filter: { attribute: 'weird-key', op: 'eq', value: 'x' }, match: ['nested'] },
    { name: 'gt on numbers only (not "30")', filter: { attribute: 'age', op: 'gt', value: 20 }, match: ['gold', 'numtier'] },
    { name: 'gte boundary', filter: { attribute: 'age', op: 'gte', value: 41 }, match: ['gold', 'numtier'] },
    { name: 'lt', filter: { attribute: 'age', op: 'lt', value: 18 }, match: ['silver'] },
    { name: 'lte on a real', filter: { attribute: 'age', op: 'lte', value: 65.5 }, match: ['gold', 'silver', 'numtier'] },
    // silver signed up 2025-11-30T23:00-02:00, which is 2025-12-01T01:00Z.
    { name: 'before a date-time: the offset counts', filter: { attribute: 'signup', op: 'before', value: '2025-12-01T00:30:00Z' }, match: [] },
    { name: 'before a date', filter: { attribute: 'signup', op: 'before', value: '2025-12-02' }, match: ['silver'] },
    { name: 'after a date-time (unparseable dates never match)', filter: { attribute: 'signup', op: 'after', value: '2025-12-01T00:30:00Z' }, match: ['gold', 'silver'] },
    { name: 'within_last_days', filter: { attribute: 'last_order', op: 'within_last_days', value: 30 }, match: ['gold'] },
    { name: 'consent opted_in (explicit)', filter: { consent: 'opted_in' }, match: ['gold'] },
    { name: 'consent opted_out of the campaign channel', filter: { consent: 'opted_out' }, match: ['silver'] },
    { name: 'consent opted_out of another channel', filter: { consent: 'opted_out', channel: 'whatsapp' }, match: ['bronze'] },
    { name: 'consent not_opted_out (never asked counts)', filter: { consent: 'not_opted_out' }, match: ['gold', 'bronze', 'numtier', 'bare', 'nested'] },
    { name: 'received any campaign, any time (read counts, transactional does not)', filter: { event: 'received' }, match: ['gold', 'silver'] },
    { name: 'received within 7 days', filter: { event: 'received', within_days: 7 }, match: ['silver'] },
    { name: 'received a given campaign', filter: { event: 'received', campaign_id: 'cmp_spring' }, match: ['gold'] },
    { name: 'sent (accepted by a provider), failed or not', filter: { event: 'sent', campaign_id: 'cmp_summer' }, match: ['silver', 'bronze'] },
    { name: 'not_received a campaign', filter: { event: 'not_received', campaign_id: 'cmp_summer' }, match: ['gold', 'bronze', 'numtier', 'bare', 'nested'] },
    { name: 'clicked within 30 days', filter: { event: 'clicked', within_days: 30 }, match: ['gold'] },
    { name: 'clicked within 10 days', filter: { event: 'clicked', within_days: 10 }, match: [] },
    {
      name: 'all of any and not',
      filter: { all: [{ attribute: 'tier', op: 'exists' }, { any: [{ consent: 'opted_in' }, { attribute: 'age', op: 'gt', value: 60 }] }, { not: { event: 'clicked' } }] },
      match: ['numtier'],
    },
    { name: 'any of nothing that matches', filter: { any: [{ attribute: 'tier', op: 'eq', value: 'platinum' }, { event: 'clicked', campaign_id: 'cmp_summer' }] }, match: [] },
    { name: 'not of an all with a missing attribute', filter: { not: { all: [{ attribute: 'age', op: 'gt', value: 0 }, { attribute: 'vip', op: 'exists' }] } }, match: ['bronze', 'numtier', 'bare', 'nested'] },
  ];

  for (const c of cases) {
    test(c.name, async () => {
      const node = parseFilter(c.filter);
      // Pages of 2: keyset paging must neither lose nor repeat anyone.
      const seen: string[] = [];
      const optedOut: string[] = [];
      let afterId: string | null = null;
      for (;;) {
        const page = await audienceStore.pageFilter(store.db, 'prj_1', node, CTX, afterId, 2);
        assert.ok(page.members.length <= 2);
        seen.push(...page.members.map((r) => r.customer_id));
        optedOut.push(...page.members.filter((r) => r.opted_out === 1).map((r) => r.customer_id));
        if (page.next === null) break;
        afterId = page.next;
      }
      assert.deepEqual(seen.sort(), [...c.match].sort());
      // Each page says who opted out of the channel, as the launch skips them.
      assert.deepEqual(optedOut, c.match.filter((k) => k === 'silver'));
      const counts = await audienceStore.countFilter(store.db, 'prj_1', node, CTX);
      assert.equal(counts.size, c.match.length);
      assert.equal(counts.with_phone, c.match.filter((k) => CUSTOMERS[k]!.phone).length);
      assert.equal(counts.opted_out, c.match.filter((k) => k === 'silver').length);
    });
  }

  test('every case is a real test: the whole project matches the trivial filter', async () => {
    const counts = await audienceStore.countFilter(store.db, 'prj_1', parseFilter({ any: [{ attribute: 'x', op: 'not_exists' }] }), CTX);
    assert.deepEqual(counts, { size: ALL.length, with_phone: ALL.length - 1, opted_out: 1 });
  });

  test('id lists: repeats ignored, paged in order, unknown ids kept as such', async () => {
    await campaignStore.insert(store.db, campaignRow('cmp_ids', 'prj_1'));
    const ids = ['silver', 'zed-unknown', 'gold', 'silver', 'bare', 'gold'];
    assert.equal(await audienceStore.addIds(store.db, 'cmp_ids', ids), 4);
    assert.equal(await audienceStore.addIds(store.db, 'cmp_ids', ['gold']), 0);
    const seen: (string | number | null)[][] = [];
    let afterId: string | null = null;
    for (;;) {
      const page = await audienceStore.pageIds(store.db, 'prj_1', 'cmp_ids', 'sms', afterId, 3);
      seen.push(...page.map((r) => [r.listed_id, r.id, r.opted_out]));
      if (page.length < 3) break;
      afterId = page[page.length - 1]!.listed_id;
    }
    assert.deepEqual(seen, [['bare', 'cus_bare', 0], ['gold', 'cus_gold', 0], ['silver', 'cus_silver', 1], ['zed-unknown', null, 0]]);
    assert.deepEqual(await audienceStore.countIds(store.db, 'prj_1', 'cmp_ids', 'sms'), { listed: 4, size: 3, with_phone: 2, opted_out: 1 });
  });

  test('more ids than one statement holds', async () => {
    await campaignStore.insert(store.db, campaignRow('cmp_many', 'prj_1'));
    const ids = Array.from({ length: 1234 }, (_, i) => `m${i}`);
    assert.equal(await audienceStore.addIds(store.db, 'cmp_many', [...ids, ...ids.slice(0, 600)]), 1234);
    assert.equal((await audienceStore.countIds(store.db, 'prj_1', 'cmp_many', 'sms')).listed, 1234);
  });
});

// The plan a launch's page of a list gets on PostgreSQL, right after the list was written (no
// statistics yet): a probe of the list per customer, never a hash of the whole list per page.
describe('audience store: a page of a list just written probes the list per customer (postgres)', { skip: (await storeBackends()).find((b) => b.kind === 'postgres')!.skip }, () => {
  let store: TestStore;
  before(async () => {
    store = await (await storeBackends()).find((b) => b.kind === 'postgres')!.open();
    await projectStore.insert(store.db, projectRow('prj_1'));
    await campaignStore.insert(store.db, campaignRow('cmp_list', 'prj_1'));
    await sql`insert into customers (id, project_id, customer_id, phone, country, attributes, created_at, updated_at)
      select 'cus_' || lpad(i::text, 6, '0'), 'prj_1', 'k' || i, '+4670' || lpad(i::text, 7, '0'), 'SE', '{}', 0, 0 from generate_series(1, 20000) i`.execute(store.db);
    await sql`analyze customers`.execute(store.db);
    await audienceStore.addIds(store.db, 'cmp_list', Array.from({ length: 20000 }, (_, i) => `k${i + 1}`));
  });
  after(() => store.close());

  test('the plan', async () => {
    // The page's own statement, captured as the store runs it, then explained.
    let page: CompiledQuery | undefined;
    const executor = store.db.getExecutor();
    const capturing = store.db.withPlugin({
      transformQuery: (args) => {
        const compiled = executor.compileQuery(args.node, args.queryId);
        if (compiled.sql.includes('campaign_audience')) page = compiled;
        return args.node;
      },
      transformResult: async (args) => args.result,
    });
    const { members } = await audienceStore.pageListedCustomers(capturing, 'prj_1', 'cmp_list', 'sms', 'cus_010000', 500);
    assert.equal(members.length, 500);
    assert.ok(page, 'the page statement was seen');
    const explained = await store.db.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`explain ${page.sql}`, [...page.parameters]));
    const plan = explained.rows.map((r) => r['QUERY PLAN']).join('\n');
    assert.doesNotMatch(plan, /Hash Join|Hash Semi Join|Merge Semi Join/, plan);
    assert.match(plan, /campaign_audience_pk/, plan);
  });
});
