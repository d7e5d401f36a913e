import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseTemplate, renderTemplate, type ParsedTemplate, type TemplateVariables } from './template.js';

function parse(source: string): ParsedTemplate {
  const p = parseTemplate(source);
  if (!p.ok) throw new Error(p.error.message);
  return p.template;
}

describe('template fast path: which templates take it', () => {
  const cases: [string, boolean][] = [
    ['Hi {{ customer.first_name }}, your {{ customer.tier }} offer', true],
    ['{{customer.first_name}}{{ data.code }}', true],
    ['Hi {{- customer.first_name -}} !', true],
    ['{{ customer["first name"] }}', true],
    ['plain text, no markup', true],
    ['{{ customer.first_name | default: "there" }}', false],
    ['{{ customer.first_name | upcase }}', false],
    ['{% if customer.vip %}VIP{% endif %}', false],
    ['{{ customer.tags.size }}', false],
    ['{{ customer.tags.first }}', false],
    ['{{ first_name }}', false],
    ['{{ "literal" }}', false],
    ['{{ customer[data.key] }}', false],
  ];
  for (const [source, fast] of cases) test(source, () => assert.equal(parse(source).fast !== null, fast));
});

describe('template fast path: the same text and missing variables as LiquidJS', () => {
  const templates = [
    'Hi {{ customer.first_name }}, your {{ customer.tier }} offer: {{ customer.points }} points, vip {{ customer.vip }}.',
    '{{ customer.address.city }}/{{ customer.address.zip }} {{ data.code }}{{ data.code }}',
    '{{- customer.first_name -}} | {{ customer.customer_id }} {{ customer.phone }}',
    '{{ customer["first_name"] }} {{ customer.nested.deeper.deepest }}',
  ];
  const variables: [string, TemplateVariables][] = [
    ['a full profile', { customer: { customer_id: 'c1', phone: '+1202', first_name: 'Zoë', tier: 'gold', points: 12.5, vip: true, address: { city: 'Oslo', zip: 150 }, nested: { deeper: { deepest: 'd' } } }, data: { code: 'X1' } }],
    ['no customer at all', { data: { code: 0 } }],
    ['nulls, false and zero', { customer: { customer_id: 'c2', phone: null, first_name: null, tier: '', points: 0, vip: false, address: null } }],
    ['values LiquidJS must render (arrays, objects)', { customer: { customer_id: 'c3', phone: null, first_name: ['A', 'B'], tier: { x: 1 }, address: ['Oslo'], nested: { deeper: 'a string, not an object' } } }],
    ['inherited properties are not read', { customer: Object.assign(Object.create({ first_name: 'inherited' }) as object, { customer_id: 'c4', phone: null }) }],
    ['a huge value over the limit', { customer: { customer_id: 'c5', phone: null, first_name: 'x'.repeat(2000) } }],
  ];
  for (const source of templates) {
    for (const [name, vars] of variables) {
      test(`${source.slice(0, 40)}… with ${name}`, () => {
        const fast = parse(source);
        assert.ok(fast.fast, 'takes the fast path');
        const slow: ParsedTemplate = { ...fast, fast: null };
        assert.deepEqual(renderTemplate(fast, vars), renderTemplate(slow, vars));
      });
    }
  }
});
