import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DomainError } from './errors.js';
import { FILTER_LIMITS, isoToMs, parseFilter, referencedCampaigns, type FilterNode } from './audience.js';

const P = 'audience.filter';

describe('parseFilter: accepted filters and their tree', () => {
  const cases: { name: string; input: unknown; tree: FilterNode }[] = [
    { name: 'eq on a string', input: { attribute: 'tier', op: 'eq', value: 'gold' }, tree: { kind: 'attribute', name: 'tier', op: 'eq', value: 'gold' } },
    { name: 'eq on a boolean', input: { attribute: 'vip', op: 'eq', value: true }, tree: { kind: 'attribute', name: 'vip', op: 'eq', value: true } },
    { name: 'ne is not eq', input: { attribute: 'tier', op: 'ne', value: 'gold' }, tree: { kind: 'not', item: { kind: 'attribute', name: 'tier', op: 'eq', value: 'gold' } } },
    { name: 'in', input: { attribute: 'tier', op: 'in', value: ['gold', 3] }, tree: { kind: 'attribute', name: 'tier', op: 'in', values: ['gold', 3] } },
    { name: 'exists', input: { attribute: 'email', op: 'exists' }, tree: { kind: 'attribute', name: 'email', op: 'exists' } },
    { name: 'not_exists is not exists', input: { attribute: 'email', op: 'not_exists' }, tree: { kind: 'not', item: { kind: 'attribute', name: 'email', op: 'exists' } } },
    { name: 'gte on a number', input: { attribute: 'age', op: 'gte', value: 18.5 }, tree: { kind: 'attribute', name: 'age', op: 'gte', value: 18.5 } },
    { name: 'before a date (UTC midnight)', input: { attribute: 'signup', op: 'before', value: '2026-03-01' }, tree: { kind: 'attribute', name: 'signup', op: 'before', at: Date.UTC(2026, 2, 1) } },
    {
      name: 'after a date-time with an offset',
      input: { attribute: 'signup', op: 'after', value: '2026-03-01T10:00:00+02:00' },
      tree: { kind: 'attribute', name: 'signup', op: 'after', at: Date.UTC(2026, 2, 1, 8) },
    },
    { name: 'within_last_days', input: { attribute: 'last_order', op: 'within_last_days', value: 30 }, tree: { kind: 'attribute', name: 'last_order', op: 'within_last_days', days: 30 } },
    { name: 'consent, campaign channel', input: { consent: 'opted_in' }, tree: { kind: 'consent', state: 'opted_in', channel: null } },
    { name: 'consent on a channel', input: { consent: 'opted_out', channel: 'whatsapp' }, tree: { kind: 'consent', state: 'opted_out', channel: 'whatsapp' } },
    {
      name: 'received a campaign in N days',
      input: { event: 'received', campaign_id: 'cmp_01abc', within_days: 7 },
      tree: { kind: 'event', event: 'received', campaignId: 'cmp_01abc', withinDays: 7 },
    },
    { name: 'clicked anything, any time', input: { event: 'clicked' }, tree: { kind: 'event', event: 'clicked', campaignId: null, withinDays: null } },
    {
      name: 'not_received is not received',
      input: { event: 'not_received', within_days: 3 },
      tree: { kind: 'not', item: { kind: 'event', event: 'received', campaignId: null, withinDays: 3 } },
    },
    {
      name: 'nesting all / any / not',
      input: { all: [{ attribute: 'tier', op: 'eq', value: 'gold' }, { any: [{ consent: 'opted_in' }, { not: { event: 'clicked' } }] }] },
      tree: {
        kind: 'all',
        items: [
          { kind: 'attribute', name: 'tier', op: 'eq', value: 'gold' },
          { kind: 'any', items: [{ kind: 'consent', state: 'opted_in', channel: null }, { kind: 'not', item: { kind: 'event', event: 'clicked', campaignId: null, withinDays: null } }] },
        ],
      },
    },
  ];
  for (const c of cases) test(c.name, () => assert.deepEqual(parseFilter(c.input, P), c.tree));
});

describe('parseFilter: every bad field is a 400 naming its path', () => {
  const deep = (n: number): unknown => (n === 0 ? { consent: 'opted_in' } : { not: deep(n - 1) });
  const cases: { name: string; input: unknown; field: string }[] = [
    { name: 'not an object', input: 'tier=gold', field: P },
    { name: 'an array', input: [], field: P },
    { name: 'no condition', input: {}, field: P },
    { name: 'two conditions in one object', input: { attribute: 'a', op: 'exists', consent: 'opted_in' }, field: P },
    { name: 'all not an array', input: { all: {} }, field: `${P}.all` },
    { name: 'empty all', input: { all: [] }, field: `${P}.all` },
    { name: 'unknown op deep inside', input: { all: [{ consent: 'opted_in' }, { consent: 'opted_in' }, { attribute: 'tier', op: 'like', value: 'g%' }] }, field: `${P}.all[2].op` },
    { name: 'unknown field beside a condition', input: { any: [{ attribute: 'tier', op: 'eq', value: 'x', extra: 1 }] }, field: `${P}.any[0].extra` },
    { name: 'attribute name with a quote', input: { attribute: 'a"b', op: 'exists' }, field: `${P}.attribute` },
    { name: 'attribute name empty', input: { attribute: '', op: 'exists' }, field: `${P}.attribute` },
    { name: 'eq with an object', input: { attribute: 'a', op: 'eq', value: { x: 1 } }, field: `${P}.value` },
    { name: 'eq without value', input: { attribute: 'a', op: 'eq' }, field: `${P}.value` },
    { name: 'exists with a value', input: { attribute: 'a', op: 'exists', value: 1 }, field: `${P}.value` },
    { name: 'in with an empty array', input: { attribute: 'a', op: 'in', value: [] }, field: `${P}.value` },
    { name: 'in with a boolean item', input: { attribute: 'a', op: 'in', value: ['x', true] }, field: `${P}.value[1]` },
    { name: 'in with too many values', input: { attribute: 'a', op: 'in', value: Array.from({ length: FILTER_LIMITS.maxInValues + 1 }, (_, i) => i) }, field: `${P}.value` },
    { name: 'gt with a numeric string', input: { attribute: 'a', op: 'gt', value: '5' }, field: `${P}.value` },
    { name: 'before a non-date', input: { attribute: 'a', op: 'before', value: 'yesterday' }, field: `${P}.value` },
    { name: 'before an impossible date', input: { attribute: 'a', op: 'before', value: '2026-13-45' }, field: `${P}.value` },
    { name: 'within_last_days zero', input: { attribute: 'a', op: 'within_last_days', value: 0 }, field: `${P}.value` },
    { name: 'within_last_days fractional', input: { attribute: 'a', op: 'within_last_days', value: 1.5 }, field: `${P}.value` },
    { name: 'consent state unknown', input: { consent: 'maybe' }, field: `${P}.consent` },
    { name: 'consent channel unknown', input: { consent: 'opted_in', channel: 'email' }, field: `${P}.channel` },
    { name: 'event unknown', input: { event: 'opened' }, field: `${P}.event` },
    { name: 'event campaign id malformed', input: { event: 'received', campaign_id: 'summer' }, field: `${P}.campaign_id` },
    { name: 'event within_days negative', input: { event: 'received', within_days: -1 }, field: `${P}.within_days` },
    { name: 'not of nothing', input: { any: [{ not: null }] }, field: `${P}.any[0].not` },
    { name: 'too deep', input: deep(FILTER_LIMITS.maxDepth), field: `${P}${'.not'.repeat(FILTER_LIMITS.maxDepth)}` },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.throws(
        () => parseFilter(c.input, P),
        (e: unknown) => e instanceof DomainError && e.kind === 'invalid' && e.field === c.field,
      );
    });
  }

  test('too many conditions', () => {
    const many = { any: Array.from({ length: 100 }, () => ({ all: [{ consent: 'opted_in' }, { consent: 'opted_out' }] })) };
    assert.throws(() => parseFilter(many, P), /more than 200 conditions/);
  });
});

describe('isoToMs', () => {
  const cases: [string, number][] = [
    ['2026-03-01', Date.UTC(2026, 2, 1)],
    ['2026-03-01T09:30', Date.UTC(2026, 2, 1, 9, 30)],
    ['2026-03-01 09:30:15.250Z', Date.UTC(2026, 2, 1, 9, 30, 15, 250)],
    ['2026-03-01T09:30:00-05:00', Date.UTC(2026, 2, 1, 14, 30)],
    ['1 March 2026', NaN],
    ['2026-03-01T25:00', NaN],
  ];
  for (const [s, ms] of cases) test(s, () => assert.deepEqual(isoToMs(s), ms));
});

test('referencedCampaigns lists each campaign once', () => {
  const f = parseFilter({ all: [{ event: 'received', campaign_id: 'cmp_a1' }, { not: { any: [{ event: 'clicked', campaign_id: 'cmp_b2' }, { event: 'sent', campaign_id: 'cmp_a1' }] } }] });
  assert.deepEqual(referencedCampaigns(f).sort(), ['cmp_a1', 'cmp_b2']);
});
