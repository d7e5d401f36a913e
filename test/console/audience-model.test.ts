// The console's audience builder model (web/src/screens/Campaigns/audience.ts): conditions into
// the API's filter (docs/audiences.md) and a stored filter back into conditions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { audienceJson, filterJson, modelFromFilter, parseIds, type AudienceModel } from '../../web/src/screens/Campaigns/audience.js';

const model = (conditions: AudienceModel['conditions'], combine: AudienceModel['combine'] = 'all'): AudienceModel => ({ mode: 'filter', ids: '', combine, conditions });

test('one condition is the filter itself; several are joined by all or any', () => {
  assert.deepEqual(filterJson(model([{ kind: 'attribute', attribute: ' tier ', op: 'eq', value: 'gold' }])), { attribute: 'tier', op: 'eq', value: 'gold' });
  assert.deepEqual(
    filterJson(
      model(
        [
          { kind: 'consent', consent: 'opted_in', channel: '' },
          { kind: 'event', event: 'not_received', campaign_id: 'cmp_1', within_days: '7' },
        ],
        'any',
      ),
    ),
    { any: [{ consent: 'opted_in' }, { event: 'not_received', campaign_id: 'cmp_1', within_days: 7 }] },
  );
  assert.equal(filterJson(model([])), null);
});

test('values keep their JSON type: numbers, booleans, quoted text, lists, dates', () => {
  const value = (op: string, v: string) => filterJson(model([{ kind: 'attribute', attribute: 'a', op, value: v }]))!.value;
  assert.equal(value('eq', '5'), 5);
  assert.equal(value('eq', '"5"'), '5');
  assert.equal(value('ne', 'true'), true);
  assert.deepEqual(value('in', 'gold, platinum, 3'), ['gold', 'platinum', 3]);
  assert.equal(value('gte', '10'), 10);
  assert.equal(value('before', ' 2026-01-01 '), '2026-01-01');
  assert.equal(value('within_last_days', '30'), 30);
  assert.deepEqual(filterJson(model([{ kind: 'attribute', attribute: 'a', op: 'exists', value: 'ignored' }])), { attribute: 'a', op: 'exists' });
});

test('customer ids: split on commas, spaces and lines, repeats once', () => {
  assert.deepEqual(parseIds('c-1, c-2\nc-1  c-3;'), ['c-1', 'c-2', 'c-3']);
  assert.deepEqual(audienceJson({ mode: 'ids', ids: 'a b', combine: 'all', conditions: [] }), { customer_ids: ['a', 'b'] });
});

test('a stored filter comes back as the same conditions; nested groups do not', () => {
  const stored = { all: [{ attribute: 'tier', op: 'in', value: ['gold', 'platinum'] }, { attribute: 'code', op: 'eq', value: '5' }, { consent: 'not_opted_out', channel: 'sms' }, { event: 'clicked', within_days: 30 }] };
  const m = modelFromFilter(stored)!;
  assert.equal(m.combine, 'all');
  assert.deepEqual(filterJson(m), stored);
  assert.equal(modelFromFilter({ all: [{ any: [{ consent: 'opted_in' }] }] }), null);
});
