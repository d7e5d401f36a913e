import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTemplate, parseTemplate, renderTemplate, templateVariables, type RenderLimits, type TemplateVariables } from './template.js';

const ada = templateVariables({ customer_id: 'c1', phone: '+12025550101', attributes: { first_name: 'ada', plan: 'pro', balance: 1234.5, joined: '2026-03-07T10:00:00Z', customer_id: 'forged' } });
const nobody = templateVariables({ customer_id: 'c2', phone: null, attributes: {} });

function render(source: string, vars: TemplateVariables, limits?: RenderLimits) {
  const parsed = parseTemplate(source);
  if (!parsed.ok) throw new Error(`parse failed: ${parsed.error.message}`);
  return renderTemplate(parsed.template, vars, limits);
}

test('syntax errors name their line and column', () => {
  const cases: { source: string; line: number; column: number; message: RegExp }[] = [
    { source: 'Hi {{ customer.first_name ', line: 1, column: 4, message: /not closed/ },
    { source: 'Hi\n  {% if customer.vip %}VIP', line: 2, column: 3, message: /not closed/ },
    { source: 'Hi {{ customer.first_name | shout }}', line: 1, column: 4, message: /undefined filter: shout/ },
    { source: 'x\ny {% include "secrets" %}', line: 2, column: 3, message: /include tag is not available/ },
    { source: '{% render "a" %}', line: 1, column: 1, message: /render tag is not available/ },
    { source: '{% layout "a" %}', line: 1, column: 1, message: /layout tag is not available/ },
    { source: '{% if x %}{% for %}{% endif %}', line: 1, column: 11, message: /illegal tag/ },
  ];
  for (const c of cases) {
    const r = parseTemplate(c.source);
    assert.equal(r.ok, false, c.source);
    if (r.ok) continue;
    assert.match(r.error.message, c.message, c.source);
    assert.doesNotMatch(r.error.message, /line:/, 'the position is given apart');
    assert.deepEqual([r.error.line, r.error.column], [c.line, c.column], c.source);
  }
});

test('renders customer variables, data, filters and tags', () => {
  const cases: { source: string; vars: TemplateVariables; text: string; missing?: string[] }[] = [
    { source: 'Hi {{ customer.first_name | default: "there" }}', vars: ada, text: 'Hi ada' },
    { source: 'Hi {{ customer.first_name | default: "there" }}', vars: nobody, text: 'Hi there' },
    { source: '{{ customer.first_name | capitalize }} {{ customer.plan | upcase }} {{ "ABC" | downcase }}', vars: ada, text: 'Ada PRO abc' },
    { source: '{{ customer.joined | date: "%d %b %Y" }}', vars: ada, text: '07 Mar 2026' },
    { source: '{{ customer.balance | round }} {{ customer.balance | times: 2 }} {{ 3.14159 | round: 2 }}', vars: ada, text: '1235 2469 3.14' },
    { source: '{% if customer.plan == "pro" %}Pro{% else %}Free{% endif %}', vars: ada, text: 'Pro' },
    { source: '{% if customer.plan == "pro" %}Pro{% else %}Free{% endif %}', vars: nobody, text: 'Free' },
    { source: 'Code {{ data.code }}', vars: { ...ada, data: { code: '123456' } }, text: 'Code 123456' },
    { source: '{{ customer.customer_id }} {{ customer.phone }}', vars: ada, text: 'c1 +12025550101' },
    // No HTML escaping: these are text messages.
    { source: '{{ data.t }}', vars: { data: { t: 'Tom & <Jerry>' } }, text: 'Tom & <Jerry>' },
    { source: 'Plain text', vars: {}, text: 'Plain text' },
  ];
  for (const c of cases) {
    const r = render(c.source, c.vars);
    assert.deepEqual(r, { ok: true, text: c.text, missing: c.missing ?? [] }, c.source);
  }
});

test('missing variables: outputs that render empty and have no default', () => {
  const cases: { source: string; vars: TemplateVariables; missing: string[] }[] = [
    { source: 'Hi {{ customer.first_name }}', vars: nobody, missing: ['customer.first_name'] },
    { source: 'Hi {{ customer.first_name }}', vars: ada, missing: [] },
    { source: 'Hi {{ customer.first_name | upcase }} {{ customer.first_name }}', vars: nobody, missing: ['customer.first_name'] },
    { source: 'Hi {{ customer.first_name | upcase | default: "x" }}', vars: nobody, missing: [] },
    { source: '{% if customer.first_name %}Hi {{ customer.first_name }}{% endif %}', vars: nobody, missing: [] },
    { source: '{% if true %}{{ data.code }}{% endif %} {% echo data.other %}', vars: {}, missing: ['data.code', 'data.other'] },
    { source: '{% for i in (1..2) %}{{ i }}{{ customer.x }}{% endfor %}', vars: ada, missing: ['customer.x'] },
    { source: '{{ customer.nested.deep }}', vars: ada, missing: ['customer.nested.deep'] },
  ];
  for (const c of cases) {
    const r = render(c.source, c.vars);
    assert.equal(r.ok, true, c.source);
    if (r.ok) assert.deepEqual(r.missing, c.missing, c.source);
  }
});

test('attributes cannot stand in for the profile fields', () => {
  assert.deepEqual(render('{{ customer.customer_id }}', ada), { ok: true, text: 'c1', missing: [] });
});

test('abusive templates are bounded', () => {
  const cases: { source: string; error: RegExp }[] = [
    { source: '{% for i in (1..100000000) %}x{% endfor %}', error: /memory/ },
    // Whichever bound it meets first.
    { source: '{% for a in (1..5000) %}{% for b in (1..5000) %}x{% endfor %}{% endfor %}', error: /memory|render limit/ },
    { source: '{% for i in (1..2000) %}0123456789{% endfor %}', error: /longer than 1600/ },
    { source: '{{ "x" | append: "yyyyyyyyyy" | append: data.big }}', error: /longer than 1600/ },
  ];
  for (const c of cases) {
    const r = render(c.source, { data: { big: 'z'.repeat(5000) } });
    assert.equal(r.ok, false, c.source);
    if (!r.ok) assert.match(r.error, c.error, c.source);
  }
  const slow = render('{% for a in (1..50) %}{% for b in (1..50) %}{% for c in (1..50) %}x{% endfor %}{% endfor %}{% endfor %}', {}, { maxChars: 1e9, timeMs: 1, memory: 1e9 });
  assert.equal(slow.ok, false);
  if (!slow.ok) assert.match(slow.error, /template render limit exceeded/);
  assert.equal(parseTemplate('x'.repeat(10_001)).ok, false, 'parsing is bounded too');
});

test('isTemplate tells markup from plain text', () => {
  assert.equal(isTemplate('Hi {{ x }}'), true);
  assert.equal(isTemplate('{% if x %}y{% endif %}'), true);
  assert.equal(isTemplate('Hi {x} 50% off'), false);
});
