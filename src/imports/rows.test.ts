import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCsvHeader, parseCsvRecord, parseNdjsonLine, type ColumnSpec } from './rows.js';

test('parseCsvHeader: columns, types, and the header errors named by column', () => {
  const cases: [string[], ColumnSpec[] | { code: string; field: string }][] = [
    [['customer_id'], [{ kind: 'customer_id' }]],
    [['customer_id', 'phone', 'first_name'], [{ kind: 'customer_id' }, { kind: 'phone' }, { kind: 'attribute', name: 'first_name', type: 'string' }]],
    [[' customer_id ', 'age:number', 'vip:boolean', 'tags:json', 'plan:string'], [
      { kind: 'customer_id' },
      { kind: 'attribute', name: 'age', type: 'number' },
      { kind: 'attribute', name: 'vip', type: 'boolean' },
      { kind: 'attribute', name: 'tags', type: 'json' },
      { kind: 'attribute', name: 'plan', type: 'string' },
    ]],
    // A colon that is not a type suffix is part of the name.
    [['customer_id', 'utm:Source'], [{ kind: 'customer_id' }, { kind: 'attribute', name: 'utm:Source', type: 'string' }]],
    [['phone', 'name'], { code: 'missing_column', field: 'customer_id' }],
    [['customer_id', 'age:integer'], { code: 'invalid_header', field: 'age:integer' }],
    [['customer_id', 'a', 'a:number'], { code: 'invalid_header', field: 'a:number' }],
    [['customer_id', ''], { code: 'invalid_header', field: '' }],
    [['customer_id', 'phone:string'], { code: 'invalid_header', field: 'phone:string' }],
  ];
  for (const [names, expected] of cases) {
    const r = parseCsvHeader(names);
    if (Array.isArray(expected)) assert.deepEqual(r, { ok: true, columns: expected }, names.join(','));
    else {
      assert.equal(r.ok, false, names.join(','));
      if (!r.ok) assert.deepEqual({ code: r.error.code, field: r.error.field }, expected, names.join(','));
    }
  }
});

test('parseCsvRecord: typed values, empty cells left alone, errors naming the column', () => {
  const header = parseCsvHeader(['customer_id', 'phone', 'name', 'age:number', 'vip:boolean', 'tags:json']);
  assert.ok(header.ok);
  const cols = header.columns;
  const cases: [string[], unknown][] = [
    [['c1', '+46700000001', 'Ann', '42', 'yes', '["a"]'], { customer_id: 'c1', phone: { e164: '+46700000001', country: 'SE' }, attributes: { name: 'Ann', age: 42, vip: true, tags: ['a'] } }],
    [['c2', '', '', '', '', ''], { customer_id: 'c2', attributes: {} }],
    [[' c3 ', '+1 202 555 0100', 'Bo', '-1.5', 'FALSE', '{"x":1}'], { customer_id: 'c3', phone: { e164: '+12025550100', country: 'US' }, attributes: { name: 'Bo', age: -1.5, vip: false, tags: { x: 1 } } }],
    [['', '', '', '', '', ''], { code: 'missing_field', field: 'customer_id' }],
    [['c4', 'not a phone', '', '', '', ''], { code: 'invalid_phone', field: 'phone' }],
    [['c5', '', '', 'forty', '', ''], { code: 'invalid_number', field: 'age' }],
    [['c6', '', '', '', 'maybe', ''], { code: 'invalid_boolean', field: 'vip' }],
    [['c7', '', '', '', '', '{'], { code: 'invalid_json', field: 'tags' }],
    [['c8', ''], { code: 'column_count', field: undefined }],
    [['c9', '', 'a\u0000b', '', '', ''], { code: 'invalid_string', field: 'name' }],
    [['x'.repeat(257), '', '', '', '', ''], { code: 'too_long', field: 'customer_id' }],
  ];
  for (const [values, expected] of cases) {
    const r = parseCsvRecord(cols, values);
    if (r.ok) assert.deepEqual(r.row, expected, values.join(','));
    else assert.deepEqual({ code: r.error.code, field: r.error.field }, expected, values.join(','));
  }
});

test('parseNdjsonLine: objects with customer_id, phone and attributes; errors naming the key', () => {
  const cases: [string, unknown][] = [
    ['{"customer_id":"c1"}', { customer_id: 'c1', attributes: {} }],
    ['{"customer_id":"c1","phone":"+46700000001","attributes":{"a":1,"b":null}}', { customer_id: 'c1', phone: { e164: '+46700000001', country: 'SE' }, attributes: { a: 1, b: null } }],
    ['{"customer_id":"c1","phone":null}', { customer_id: 'c1', phone: null, attributes: {} }],
    ['{"customer_id":', { code: 'invalid_json', field: undefined }],
    ['[1]', { code: 'invalid_row', field: undefined }],
    ['null', { code: 'invalid_row', field: undefined }],
    ['{"phone":"+46700000001"}', { code: 'missing_field', field: 'customer_id' }],
    ['{"customer_id":7}', { code: 'invalid_type', field: 'customer_id' }],
    ['{"customer_id":"c","email":"x"}', { code: 'unknown_field', field: 'email' }],
    ['{"customer_id":"c","phone":123}', { code: 'invalid_type', field: 'phone' }],
    ['{"customer_id":"c","phone":"12"}', { code: 'invalid_phone', field: 'phone' }],
    ['{"customer_id":"c","attributes":[1]}', { code: 'invalid_type', field: 'attributes' }],
    ['{"customer_id":"c","attributes":{"n":"a\\u0000"}}', { code: 'invalid_string', field: 'attributes.n' }],
    ['{"customer_id":"c","attributes":' + '['.repeat(100) + ']'.repeat(100) + '}', { code: 'too_deep', field: undefined }],
  ];
  for (const [line, expected] of cases) {
    const r = parseNdjsonLine(line);
    if (r.ok) assert.deepEqual(r.row, expected, line);
    else assert.deepEqual({ code: r.error.code, field: r.error.field }, expected, line);
  }
});
