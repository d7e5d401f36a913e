import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CallbackSource } from './schema.js';
import * as nonceStore from './signed-nonces.js';
import { storeBackends, type TestStore } from './testing.js';

for (const backend of await storeBackends()) describe(`signed nonce store (${backend.kind})`, { skip: backend.skip }, () => {
  let store: TestStore;
  before(async () => {
    store = await backend.open();
  });
  after(() => store.close());

  const nonce = (source: CallbackSource, signerId: string, n: string, expiresAt = 5000) => ({ source, signerId, nonce: n, expiresAt });

  // Run in order against one store: each claim sees the ones before it.
  const claims: { name: string; claim: ReturnType<typeof nonce>; fresh: boolean }[] = [
    { name: 'a first nonce is kept', claim: nonce('webhook', 'int_1', 'n1'), fresh: true },
    { name: 'the same nonce again is a replay', claim: nonce('webhook', 'int_1', 'n1'), fresh: false },
    { name: 'a replay is one whatever its expiry says', claim: nonce('webhook', 'int_1', 'n1', 9000), fresh: false },
    { name: 'the same nonce from another signer is fresh', claim: nonce('webhook', 'int_2', 'n1'), fresh: true },
    { name: 'the same nonce and signer id from another source is fresh', claim: nonce('ingest_sinch', 'int_1', 'n1'), fresh: true },
    { name: 'a replay for that source too', claim: nonce('ingest_sinch', 'int_1', 'n1'), fresh: false },
    { name: 'another nonce of the first signer is fresh', claim: nonce('webhook', 'int_1', 'n2'), fresh: true },
  ];
  for (const c of claims) {
    test(`claim: ${c.name}`, async () => {
      assert.equal(await nonceStore.claim(store.db, c.claim), c.fresh);
    });
  }

  test('sweep forgets the nonces that expired before now, and only those', async () => {
    assert.equal(await nonceStore.claim(store.db, nonce('webhook', 'int_s', 'old', 1000)), true);
    assert.equal(await nonceStore.claim(store.db, nonce('webhook', 'int_s', 'edge', 2000)), true);
    assert.equal(await nonceStore.claim(store.db, nonce('webhook', 'int_s', 'new', 3000)), true);
    await nonceStore.sweep(store.db, 2000);
    // A forgotten nonce can be claimed again; a kept one is still a replay.
    assert.equal(await nonceStore.claim(store.db, nonce('webhook', 'int_s', 'old', 1000)), true, 'expired before now: forgotten');
    assert.equal(await nonceStore.claim(store.db, nonce('webhook', 'int_s', 'edge', 2000)), false, 'expiring at now: kept');
    assert.equal(await nonceStore.claim(store.db, nonce('webhook', 'int_s', 'new', 3000)), false, 'not expired: kept');
  });
});
