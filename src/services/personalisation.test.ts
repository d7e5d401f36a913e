import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DomainError } from '../core/errors.js';
import { composeMessage, type ContentInput } from './messages.js';
import { contentTemplates, personalise, profileVariables } from './personalisation.js';

const ada = profileVariables({ customer_id: 'c1', phone: '+12025550101', attributes: '{"first_name":"Ada","city":"Zürich"}' }, { code: '42' });
const anon = profileVariables({ customer_id: 'c2', phone: null, attributes: '{}' });

test('content is rendered per channel, parts counted on the rendered text', () => {
  const cases: { name: string; input: ContentInput; vars: typeof ada; want: { body: string; content?: unknown; parts: number; encoding: string }; missing?: string[] }[] = [
    { name: 'SMS body', input: { body: 'Hi {{ customer.first_name }}' }, vars: ada, want: { body: 'Hi Ada', parts: 1, encoding: 'GSM-7' } },
    { name: 'SMS body, two parts once rendered', input: { body: '{{ customer.first_name | append: "x" }}{{ data.pad }}' }, vars: { ...ada, data: { pad: 'y'.repeat(160) } }, want: { body: `Adax${'y'.repeat(160)}`, parts: 2, encoding: 'GSM-7' } },
    { name: 'SMS body, UCS-2 once rendered', input: { body: 'See you in {{ customer.city }}' }, vars: { customer: { customer_id: 'c', phone: null, city: 'Kraków' } }, want: { body: 'See you in Kraków', parts: 1, encoding: 'UCS-2' } },
    { name: 'missing variable', input: { body: 'Hi {{ customer.first_name }}!' }, vars: anon, want: { body: 'Hi !', parts: 1, encoding: 'GSM-7' }, missing: ['customer.first_name'] },
    {
      name: 'WhatsApp text',
      input: { channel: 'whatsapp', body: 'Hi {{ customer.first_name }}' },
      vars: ada,
      want: { body: 'Hi Ada', content: { type: 'text', text: 'Hi Ada' }, parts: 1, encoding: '' },
    },
    {
      name: 'WhatsApp template parameters',
      input: { channel: 'whatsapp', content: { type: 'template', scope: 'channel', template_id: 'offer', language_code: 'en_US', parameters: { name: '{{ customer.first_name }}', fixed: 'ten' } } },
      vars: ada,
      want: { body: '', content: { type: 'template', scope: 'channel', template_id: 'offer', language_code: 'en_US', parameters: { name: 'Ada', fixed: 'ten' } }, parts: 1, encoding: '' },
    },
  ];
  for (const c of cases) {
    const composed = composeMessage(c.input);
    const templates = contentTemplates(composed, 'body');
    assert.ok(templates, c.name);
    const r = personalise(composed, templates, c.vars);
    assert.ok(r.ok, c.name);
    assert.deepEqual({ body: r.composed.body, ...(c.want.content !== undefined && { content: r.composed.content }), parts: r.composed.parts, encoding: r.composed.encoding }, c.want, c.name);
    assert.deepEqual(r.missing, c.missing ?? [], c.name);
  }
});

test('plain content has no templates', () => {
  assert.equal(contentTemplates(composeMessage({ body: 'Spring sale: 20% off {today}' }), 'body'), null);
  assert.equal(contentTemplates(composeMessage({ channel: 'whatsapp', content: { type: 'template', scope: 'omni', template_id: 't', parameters: { a: 'b' } } }), 'body'), null);
});

test('syntax errors name the field they are in', () => {
  const cases: { input: ContentInput; field: string; position: string }[] = [
    { input: { body: 'Hi {{ customer.first_name' }, field: 'body', position: 'line 1, column 4' },
    { input: { channel: 'whatsapp', content: { type: 'template', scope: 'omni', template_id: 't', parameters: { name: 'x\n{% if a %}' } } }, field: 'content.parameters.name', position: 'line 2, column 1' },
  ];
  for (const c of cases) {
    assert.throws(() => contentTemplates(composeMessage(c.input), 'body'), (e: unknown) => {
      assert.ok(e instanceof DomainError);
      assert.equal(e.field, c.field);
      assert.equal(e.code, 'invalid_template');
      assert.ok(e.message.includes(c.position), e.message);
      return true;
    });
  }
});

test('a text that renders empty or too long is not sent', () => {
  const cases: { body: string; error: RegExp }[] = [
    { body: '{{ customer.first_name }}', error: /must not be empty/ },
    { body: '{% for i in (1..300) %}{{ customer.first_name }}...{% endfor %}', error: /longer than 1600/ },
  ];
  for (const c of cases) {
    const composed = composeMessage({ body: c.body });
    const r = personalise(composed, contentTemplates(composed, 'body')!, c.body.includes('for') ? ada : anon);
    assert.equal(r.ok, false, c.body);
    if (!r.ok) assert.match(r.error, c.error, c.body);
  }
});
