import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newMessageId } from './ids.js';

test('message ids made in a burst (many in one millisecond) sort in the order they were made', () => {
  const ids = Array.from({ length: 2000 }, () => newMessageId());
  assert.deepEqual([...ids].sort(), ids);
  assert.match(ids[0]!, /^[0-9A-HJKMNP-TV-Z]{26}$/);
});
