import assert from 'node:assert/strict';
import { test } from 'node:test';
import { combinePatches, mergeAttributes } from './attributes.js';

test('mergeAttributes sets given keys, keeps the others, removes keys given as null', () => {
  const cases: [Record<string, unknown>, Record<string, unknown> | undefined, Record<string, unknown>][] = [
    [{ a: 1 }, undefined, { a: 1 }],
    [{ a: 1 }, {}, { a: 1 }],
    [{ a: 1 }, { b: 2 }, { a: 1, b: 2 }],
    [{ a: 1, b: 2 }, { b: 3 }, { a: 1, b: 3 }],
    [{ a: 1, b: 2 }, { b: null }, { a: 1 }],
    [{ a: 1 }, { missing: null }, { a: 1 }],
    [{ a: { x: 1 } }, { a: { y: 2 } }, { a: { y: 2 } }],
    [{}, { a: false, b: 0, c: '' }, { a: false, b: 0, c: '' }],
  ];
  for (const [existing, patch, expected] of cases) assert.deepEqual(mergeAttributes(existing, patch), expected, JSON.stringify([existing, patch]));
});

test('combinePatches: the later patch wins, its nulls included', () => {
  assert.deepEqual(combinePatches({ a: 1, b: 2 }, { b: null, c: 3 }), { a: 1, b: null, c: 3 });
});
