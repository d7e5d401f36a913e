import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newId } from '../../core/ids.js';
import { messageIdFor, referenceFor } from './reference.js';

test('a hub message id maps to a 1-32 alphanumeric reference and back', () => {
  for (let i = 0; i < 50; i++) {
    const id = newId('msg');
    const reference = referenceFor(id);
    assert.ok(reference && /^[0-9A-Za-z]{1,32}$/.test(reference), reference ?? 'null');
    assert.equal(messageIdFor(reference), id);
  }
});

test('references of other shapes', () => {
  const cases: [string, string | null][] = [
    ['msg_01', 'msg01'],
    ['a-b_c', 'abc'],
    ['___', null],
    ['x'.repeat(33), null],
    ['x'.repeat(32), 'x'.repeat(32)],
  ];
  for (const [id, expected] of cases) assert.equal(referenceFor(id), expected, id);
  const back: [string, string | null][] = [
    ['msg01JEFQ3W6Y8A2B3C4D5E6F7G8H', 'msg_01jefq3w6y8a2b3c4d5e6f7g8h'], // case folded
    [' msg01jefq3w6y8a2b3c4d5e6f7g8h ', 'msg_01jefq3w6y8a2b3c4d5e6f7g8h'],
    ['msg01', null],
    ['someone-elses-ref', null],
    ['', null],
  ];
  for (const [ref, expected] of back) assert.equal(messageIdFor(ref), expected, ref);
});
