import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as healthStore from './health.js';
import { storeBackends } from './testing.js';

const cases: { name: string; closed: boolean }[] = [
  { name: 'an open store answers', closed: false },
  { name: 'a closed store fails', closed: true },
];
for (const backend of await storeBackends()) for (const c of cases) {
  test(`ping (${backend.kind}): ${c.name}`, { skip: backend.skip }, async () => {
    const store = await backend.open();
    if (c.closed) {
      await store.close();
      await assert.rejects(healthStore.ping(store.db));
    } else {
      try {
        await healthStore.ping(store.db);
      } finally {
        await store.close();
      }
    }
  });
}
