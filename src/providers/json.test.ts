import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRecord, optNum, optStr, parseJson, parseJsonObject, str, stringField } from './json.js';

test('isRecord: plain objects only', () => {
  assert.deepEqual([{}, { a: 1 }, [], null, 'x', 1, undefined].map(isRecord), [true, true, false, false, false, false, false]);
});

test('parseJson: the value, or undefined when it is not JSON', () => {
  assert.deepEqual(parseJson('{"a":[1]}'), { a: [1] });
  assert.equal(parseJson('3'), 3);
  assert.equal(parseJson(''), undefined);
  assert.equal(parseJson('<html>'), undefined);
});

test('parseJsonObject: an object, or an error naming what it read', () => {
  assert.deepEqual(parseJsonObject(Buffer.from('{"type":"x"}'), 'Test callback'), { type: 'x' });
  assert.throws(() => parseJsonObject(Buffer.from('nope'), 'Test callback'), /^Error: Test callback is not valid JSON: /);
  assert.throws(() => parseJsonObject(Buffer.from('[1]'), 'Test callback'), /^Error: Test callback is not a JSON object$/);
  assert.throws(() => parseJsonObject(Buffer.from('null'), 'Test callback'), /not a JSON object/);
});

test('field readers', () => {
  const obj = { s: 'v', empty: '', n: 4, inf: Infinity, text: '7' };
  assert.equal(str(obj, 's', 'Test callback'), 'v');
  assert.equal(str(obj, 'empty', 'Test callback'), '');
  assert.throws(() => str(obj, 'n', 'Test callback'), /^Error: Test callback field "n" is missing or not a string$/);
  assert.throws(() => str(obj, 'missing', 'Test callback'), /field "missing"/);
  assert.equal(optStr(obj, 's'), 'v');
  assert.equal(optStr(obj, 'empty'), null);
  assert.equal(optStr(obj, 'n'), null);
  assert.equal(optNum(obj, 'n'), 4);
  assert.equal(optNum(obj, 'inf'), null);
  assert.equal(optNum(obj, 'text'), null);
  assert.equal(stringField(obj, 's'), 'v');
  assert.equal(stringField(obj, 'n'), '');
  assert.equal(stringField(['s'], '0'), '');
  assert.equal(stringField(undefined, 's'), '');
});
