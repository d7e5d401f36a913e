import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import * as callbackStore from './callbacks.js';
import { callbackRow } from './fixtures.js';
import { storeBackends, type TestStore } from './testing.js';

for (const backend of await storeBackends()) describe(`callback store (${backend.kind})`, { skip: backend.skip }, () => {
  let store: TestStore;
  before(async () => {
    store = await backend.open();
  });
  after(() => store.close());

  // The store has no reader for processed callbacks: the test reads the columns itself.
  const stateOf = async (id: number) => {
    const r = await store.db.selectFrom('callbacks').select(['processed_at', 'defer_until', 'outcome']).where('id', '=', id).executeTakeFirstOrThrow();
    return { ...r, processed_at: r.processed_at === null ? null : Number(r.processed_at) };
  };

  test('newestId is 0 while there is none, and nothing is pending', async () => {
    assert.equal(await callbackStore.newestId(store.db), 0);
    assert.equal(await callbackStore.countPending(store.db), 0);
    assert.deepEqual(await callbackStore.listDue(store.db, 1000, 10), []);
    assert.deepEqual(await callbackStore.recentDigests(store.db, 10), []);
    assert.equal(await callbackStore.nextDeferredAt(store.db, 0), null);
  });

  describe('a store of callbacks', () => {
    const ids: number[] = [];
    const rows = [
      callbackRow({ body_hash: 'h1', received_at: 1001, body: Buffer.from([0, 1, 2, 255]), query: 'message_id=m1', content_type: null }),
      callbackRow({ body_hash: 'h2', received_at: 1002, integration_id: 'int_2', endpoint: 'inbound' }),
      callbackRow({ body_hash: 'h3', received_at: 1003, project_id: 'prj_2', source: 'ingest_sinch', integration_id: null, endpoint: 'ingest' }),
      callbackRow({ body_hash: 'h4', received_at: 1004 }),
      callbackRow({ body_hash: 'h5', received_at: 1005 }),
    ];
    before(async () => {
      for (const r of rows) ids.push(await callbackStore.insert(store.db, r));
    });

    test('insert returns increasing ids; newestId is the last', async () => {
      assert.ok(ids.every((id, i) => typeof id === 'number' && (i === 0 || id > ids[i - 1]!)), `ids ${ids.join(',')}`);
      assert.equal(await callbackStore.newestId(store.db), ids[4]);
    });

    test('a callback round-trips pending, its bytes and a null integration (direct-send ingest) included', async () => {
      const due = await callbackStore.listDue(store.db, 2000, 10);
      const byId = new Map(due.map((r) => [r.id, r]));
      for (const [i, r] of rows.entries()) {
        const got = byId.get(ids[i]!)!;
        assert.deepEqual({ ...got, id: Number(got.id), body: Buffer.from(got.body) }, { ...r, id: ids[i], processed_at: null, defer_until: null, outcome: null });
      }
      assert.equal(byId.get(ids[2]!)!.integration_id, null);
    });

    const digests: { limit: number; want: string[] }[] = [
      { limit: 2, want: ['h5', 'h4'] },
      { limit: 10, want: ['h5', 'h4', 'h3', 'h2', 'h1'] },
    ];
    for (const c of digests) {
      test(`recentDigests: the newest ${c.limit}, newest first`, async () => {
        const got = await callbackStore.recentDigests(store.db, c.limit);
        assert.deepEqual(got.map((d) => d.body_hash), c.want);
        if (c.limit === 10) assert.deepEqual(got[2], { source: 'ingest_sinch', project_id: 'prj_2', integration_id: null, body_hash: 'h3' });
      });
    }

    // The steps below run in order, each on what the one before left.
    const hashes = async (now: number, limit = 10) => (await callbackStore.listDue(store.db, now, limit)).map((r) => r.body_hash);

    test('listDue: pending ones oldest first, up to the limit', async () => {
      assert.deepEqual(await hashes(2000), ['h1', 'h2', 'h3', 'h4', 'h5']);
      assert.deepEqual(await hashes(2000, 2), ['h1', 'h2']);
      assert.equal(await callbackStore.countPending(store.db), 5);
    });

    test('a deferred callback stays pending but is due only once its time comes', async () => {
      await callbackStore.defer(store.db, ids[1]!, 3000);
      await callbackStore.defer(store.db, ids[3]!, 2500);
      assert.deepEqual(await hashes(2000), ['h1', 'h3', 'h5']);
      assert.deepEqual(await hashes(2000, 2), ['h1', 'h3'], 'the limit counts due ones only');
      assert.deepEqual(await hashes(2500), ['h1', 'h3', 'h4', 'h5'], 'due at its time');
      assert.deepEqual(await hashes(3000), ['h1', 'h2', 'h3', 'h4', 'h5']);
      assert.equal(await callbackStore.countPending(store.db), 5, 'deferred ones are pending');
    });

    const nextDeferred: { now: number; want: number | null }[] = [
      { now: 2000, want: 2500 },
      { now: 2500, want: 3000 },
      { now: 3000, want: null },
    ];
    for (const c of nextDeferred) {
      test(`nextDeferredAt(${c.now}) is ${c.want}`, async () => {
        assert.equal(await callbackStore.nextDeferredAt(store.db, c.now), c.want);
      });
    }

    test('processed callbacks are no longer due nor pending, and keep their outcome', async () => {
      await callbackStore.markProcessed(store.db, [ids[0]!, ids[1]!], { kind: 'processed', updates: ['applied', 'duplicate'] }, 4000);
      await callbackStore.markProcessed(store.db, [ids[2]!], { kind: 'error', reason: 'integration gone' }, 4001);
      assert.deepEqual(await hashes(5000), ['h4', 'h5']);
      assert.equal(await callbackStore.countPending(store.db), 2);
      assert.deepEqual(await stateOf(ids[0]!), { processed_at: 4000, defer_until: null, outcome: 'applied,duplicate' });
      assert.deepEqual(await stateOf(ids[1]!), { processed_at: 4000, defer_until: null, outcome: 'applied,duplicate' }, 'no longer deferred');
      assert.deepEqual(await stateOf(ids[2]!), { processed_at: 4001, defer_until: null, outcome: 'error: integration gone' });
      // A processed callback that had been deferred is no longer waited for.
      assert.equal(await callbackStore.nextDeferredAt(store.db, 2000), 2500);
      assert.equal(await callbackStore.newestId(store.db), ids[4], 'processing removes nothing');
      assert.equal((await callbackStore.recentDigests(store.db, 10)).length, 5);
    });

    test('markProcessed with an empty list changes nothing', async () => {
      await callbackStore.markProcessed(store.db, [], { kind: 'processed', updates: [] }, 6000);
      assert.equal(await callbackStore.countPending(store.db), 2);
    });

    test('markProcessed takes more than 500 ids at once', async () => {
      const many: number[] = [];
      for (let i = 0; i < 520; i++) many.push(await callbackStore.insert(store.db, callbackRow({ body_hash: `bulk${i}` })));
      assert.equal(await callbackStore.countPending(store.db), 522);
      await callbackStore.markProcessed(store.db, many, { kind: 'processed', updates: ['applied'] }, 7000);
      assert.equal(await callbackStore.countPending(store.db), 2);
      assert.deepEqual(await hashes(8000), ['h4', 'h5']);
    });
  });

  const long = 'x'.repeat(1000);
  const outcomes: { name: string; outcome: callbackStore.CallbackOutcome; stored: string }[] = [
    { name: 'one update outcome', outcome: { kind: 'processed', updates: ['applied'] }, stored: 'applied' },
    {
      name: 'several update outcomes, in order',
      outcome: { kind: 'processed', updates: ['late_event', 'applied', 'no_uid'] },
      stored: 'late_event,applied,no_uid',
    },
    // Nothing to apply is stored as `ignored`.
    { name: 'no update outcome', outcome: { kind: 'processed', updates: [] }, stored: 'ignored' },
    { name: 'an error', outcome: { kind: 'error', reason: 'unreadable body: Unexpected token' }, stored: 'error: unreadable body: Unexpected token' },
    { name: 'an error whose reason has commas', outcome: { kind: 'error', reason: 'a, b' }, stored: 'error: a, b' },
    { name: 'a long error, capped at 500 characters', outcome: { kind: 'error', reason: long }, stored: `error: ${long}`.slice(0, 500) },
  ];
  for (const c of outcomes) {
    test(`outcome: ${c.name} is stored as written`, async () => {
      const encoded = callbackStore.encodeOutcome(c.outcome);
      assert.equal(encoded, c.stored);
      assert.ok(encoded.length <= 500);
      // What markProcessed stores is what encodeOutcome says.
      const id = await callbackStore.insert(store.db, callbackRow({ body_hash: `outcome:${c.name}` }));
      await callbackStore.markProcessed(store.db, [id], c.outcome, 9000);
      assert.deepEqual(await stateOf(id), { processed_at: 9000, defer_until: null, outcome: c.stored });
    });
  }
});

for (const backend of await storeBackends()) describe(`callback store: what is pending, and pruning (${backend.kind})`, { skip: backend.skip }, () => {
  let store: TestStore;
  beforeEach(async () => {
    store = await backend.open();
  });
  afterEach(() => store.close());

  const ids = async () => (await store.db.selectFrom('callbacks').select('id').orderBy('id').execute()).map((r) => Number(r.id));

  test('pendingBySource counts and sizes the pending callbacks of each origin, processed ones left out', async () => {
    assert.deepEqual(await callbackStore.pendingBySource(store.db), []);
    const a1 = await callbackStore.insert(store.db, callbackRow({ body: Buffer.alloc(10) }));
    await callbackStore.insert(store.db, callbackRow({ body: Buffer.alloc(20) }));
    await callbackStore.insert(store.db, callbackRow({ integration_id: 'int_2', body: Buffer.alloc(5) }));
    await callbackStore.insert(store.db, callbackRow({ source: 'ingest_sinch', integration_id: null, project_id: 'prj_2', body: Buffer.alloc(7) }));
    await callbackStore.markProcessed(store.db, [a1], { kind: 'processed', updates: ['applied'] }, 2000);
    const got = (await callbackStore.pendingBySource(store.db)).sort((a, b) => `${a.source}${a.integration_id}`.localeCompare(`${b.source}${b.integration_id}`));
    assert.deepEqual(got, [
      { source: 'ingest_sinch', project_id: 'prj_2', integration_id: null, count: 1, bytes: 7 },
      { source: 'webhook', project_id: 'prj_1', integration_id: 'int_1', count: 1, bytes: 20 },
      { source: 'webhook', project_id: 'prj_1', integration_id: 'int_2', count: 1, bytes: 5 },
    ]);
  });

  test('firstIdSince finds where old callbacks end, across gaps left by deletes', async () => {
    assert.equal(await callbackStore.firstIdSince(store.db, 0), null, 'an empty table');
    const ids: number[] = [];
    for (let i = 0; i < 100; i++) ids.push(await callbackStore.insert(store.db, callbackRow({ received_at: i * 10 })));
    // Gaps, as a round of pruning leaves them among pending callbacks.
    const gone = ids.filter((_, i) => i % 3 === 0 || (i > 40 && i < 60));
    await store.db.deleteFrom('callbacks').where('id', 'in', gone).execute();
    const kept = ids.map((id, i) => ({ id, at: i * 10 })).filter((r) => !gone.includes(r.id));
    for (const at of [-5, 0, 5, 10, 405, 415, 600, 605, 985, 990, 991, 5000]) {
      const want = kept.find((r) => r.at >= at)?.id ?? null;
      assert.equal(await callbackStore.firstIdSince(store.db, at), want, `at ${at}`);
    }
  });

  test('deleteProcessedBefore deletes processed old callbacks, oldest first, and keeps pending and recent ones', async () => {
    const oldDone = [];
    for (let i = 0; i < 5; i++) oldDone.push(await callbackStore.insert(store.db, callbackRow({ received_at: 1000 + i })));
    const oldPending = await callbackStore.insert(store.db, callbackRow({ received_at: 1010 }));
    const oldDeferred = await callbackStore.insert(store.db, callbackRow({ received_at: 1011 }));
    await callbackStore.defer(store.db, oldDeferred, 99_999);
    const recentDone = await callbackStore.insert(store.db, callbackRow({ received_at: 5000 }));
    const recentPending = await callbackStore.insert(store.db, callbackRow({ received_at: 5001 }));
    await callbackStore.markProcessed(store.db, [...oldDone, recentDone], { kind: 'processed', updates: ['applied'] }, 6000);

    const below = await callbackStore.firstIdSince(store.db, 5000);
    assert.equal(below, recentDone);
    assert.equal(await callbackStore.deleteProcessedBefore(store.db, 5000, below, 3), 3);
    assert.deepEqual(await ids(), [oldDone[3], oldDone[4], oldPending, oldDeferred, recentDone, recentPending]);
    assert.equal(await callbackStore.deleteProcessedBefore(store.db, 5000, below, 3), 2);
    assert.equal(await callbackStore.deleteProcessedBefore(store.db, 5000, below, 3), 0);
    assert.deepEqual(await ids(), [oldPending, oldDeferred, recentDone, recentPending]);
    assert.equal(await callbackStore.countPending(store.db), 3);
  });

  test('deleteProcessedBefore never deletes a recent callback, and leaves what lies above the bound for a later round', async () => {
    // Ids follow arrival only roughly (stamps are taken before a flush orders the inserts).
    const old = await callbackStore.insert(store.db, callbackRow({ received_at: 1000 }));
    const recent = await callbackStore.insert(store.db, callbackRow({ received_at: 5000 }));
    const oldAgain = await callbackStore.insert(store.db, callbackRow({ received_at: 1001 }));
    await callbackStore.markProcessed(store.db, [old, recent, oldAgain], { kind: 'processed', updates: [] }, 6000);
    assert.equal(await callbackStore.firstIdSince(store.db, 5000), recent);
    assert.equal(await callbackStore.deleteProcessedBefore(store.db, 5000, recent, 10), 1);
    // The old one above the first recent one waits until that one is old too.
    assert.deepEqual(await ids(), [recent, oldAgain]);
    assert.equal(await callbackStore.deleteProcessedBefore(store.db, 5000, null, 10), 1, 'without a bound: every old one, and still no recent one');
    assert.deepEqual(await ids(), [recent]);
    assert.equal(await callbackStore.firstIdSince(store.db, 5001), null);
    assert.equal(await callbackStore.deleteProcessedBefore(store.db, 5001, null, 10), 1);
    assert.deepEqual(await ids(), []);
  });
  test('insertUnlessStored keeps one callback per content and source: a repeat gives null, processed or not', async () => {
    const hash = `dedup-${backend.kind}`;
    const first = await callbackStore.insertUnlessStored(store.db, callbackRow({ body_hash: hash, integration_id: 'int_d1' }));
    assert.equal(typeof first, 'number');
    assert.equal(await callbackStore.insertUnlessStored(store.db, callbackRow({ body_hash: hash, integration_id: 'int_d1', received_at: 9999 })), null);
    await callbackStore.markProcessed(store.db, [first!], { kind: 'processed', updates: ['applied'] }, 2000);
    assert.equal(await callbackStore.insertUnlessStored(store.db, callbackRow({ body_hash: hash, integration_id: 'int_d1' })), null, 'processed: still a repeat');
    // Another integration's webhook, or a project's ingest, with the same bytes: not a repeat.
    const other = await callbackStore.insertUnlessStored(store.db, callbackRow({ body_hash: hash, integration_id: 'int_d2' }));
    assert.equal(typeof other, 'number');
    const ingest = callbackRow({ body_hash: hash, source: 'ingest_sinch', integration_id: null, project_id: 'prj_d', endpoint: 'ingest' });
    const ingested = await callbackStore.insertUnlessStored(store.db, ingest);
    assert.equal(typeof ingested, 'number');
    assert.equal(await callbackStore.insertUnlessStored(store.db, ingest), null);
    assert.equal(typeof (await callbackStore.insertUnlessStored(store.db, { ...ingest, project_id: 'prj_e' })), 'number');
    // The plain insert refuses a repeat rather than storing it twice.
    await assert.rejects(callbackStore.insert(store.db, callbackRow({ body_hash: hash, integration_id: 'int_d1' })));
    const rows = await store.db.selectFrom('callbacks').select('id').where('body_hash', '=', hash).execute();
    assert.equal(rows.length, 4);
  });

  test('insertManyUnlessStored: an id per new callback in the order given, null for a repeat of the store or of an earlier row', async () => {
    assert.deepEqual(await callbackStore.insertManyUnlessStored(store.db, []), []);
    const hash = `many-${backend.kind}`;
    const present = await callbackStore.insertUnlessStored(store.db, callbackRow({ body_hash: `${hash}-present`, integration_id: 'int_m1' }));
    const given = [
      callbackRow({ body_hash: `${hash}-a`, integration_id: 'int_m1', body: Buffer.from([0, 92, 34, 44, 123, 125, 255]), query: 'a="b",c\\d', content_type: null }),
      callbackRow({ body_hash: `${hash}-present`, integration_id: 'int_m1' }),
      callbackRow({ body_hash: `${hash}-b`, integration_id: 'int_m1', received_at: 1234 }),
      // The same content again within the batch: only the first is stored.
      callbackRow({ body_hash: `${hash}-b`, integration_id: 'int_m1', received_at: 5678 }),
      // Same bytes, another integration or a project's ingest: not repeats.
      callbackRow({ body_hash: `${hash}-b`, integration_id: 'int_m2' }),
      callbackRow({ body_hash: `${hash}-b`, source: 'ingest_sinch', integration_id: null, project_id: 'prj_m', endpoint: 'ingest' }),
    ];
    const ids = await callbackStore.insertManyUnlessStored(store.db, given);
    assert.equal(ids.length, given.length);
    assert.deepEqual(ids.map((id) => (id === null ? null : typeof id)), ['number', null, 'number', null, 'number', 'number']);
    assert.equal(new Set(ids.filter((id) => id !== null)).size, 4);
    assert.ok(ids.every((id) => id === null || id > present!));
    // Each id holds its own row, every column as given, pending.
    for (const [i, id] of ids.entries()) {
      if (id === null) continue;
      const got = await store.db.selectFrom('callbacks').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      assert.deepEqual({ ...got, id: Number(got.id), received_at: Number(got.received_at), body: Buffer.from(got.body) }, { ...given[i]!, id, processed_at: null, defer_until: null, outcome: null });
    }
    // A batch made only of repeats stores nothing.
    assert.deepEqual(await callbackStore.insertManyUnlessStored(store.db, [given[0]!, given[4]!]), [null, null]);
  });
});
