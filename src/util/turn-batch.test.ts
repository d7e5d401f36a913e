import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TurnBatch } from './turn-batch.js';

const fulfilled = <T>(value: T): PromiseSettledResult<T> => ({ status: 'fulfilled', value });

/** A batch runner that records each batch and finishes it only when told. */
function gated() {
  const batches: number[][] = [];
  const release: (() => void)[] = [];
  const batch = new TurnBatch<number, number>(
    async (items) => {
      batches.push(items);
      await new Promise<void>((r) => release.push(r));
      return items.map((i) => fulfilled(i * 10));
    },
    { inFlight: 2, maxItems: 3 },
  );
  return { batch, batches, release };
}

const turn = () => new Promise((r) => setImmediate(r));

test('calls of one turn go in one batch, each answered with its own result', async () => {
  const seen: number[][] = [];
  const batch = new TurnBatch<string, string>(async (items) => (seen.push(items.map(Number)), items.map((i) => fulfilled(`r${i}`))), { inFlight: 1, maxItems: 100 });
  assert.deepEqual(await Promise.all(['1', '2', '3'].map((i) => batch.add(i))), ['r1', 'r2', 'r3']);
  assert.deepEqual(await batch.add('4'), 'r4');
  assert.deepEqual(seen, [[1, 2, 3], [4]]);
});

test('beyond the batches in flight, calls wait and go together into the next batch, at most maxItems each', async () => {
  const { batch, batches, release } = gated();
  const answers = [1, 2, 3, 4, 5].map((i) => batch.add(i));
  await turn();
  // Two batches in flight, of three and two.
  assert.deepEqual(batches, [[1, 2, 3], [4, 5]]);
  const later = [6, 7, 8, 9].map((i) => batch.add(i));
  await turn();
  assert.equal(batches.length, 2, 'none starts while two are in flight');
  release.shift()!();
  assert.deepEqual(await Promise.all(answers.slice(0, 3)), [10, 20, 30]);
  await turn();
  assert.deepEqual(batches[2], [6, 7, 8]);
  while (batches.length < 4 || release.length > 0) {
    release.shift()?.();
    await turn();
  }
  assert.deepEqual(batches[3], [9]);
  assert.deepEqual(await Promise.all([...answers, ...later]), [10, 20, 30, 40, 50, 60, 70, 80, 90]);
  await batch.drained();
});

test('a batch that throws fails each of its calls; a rejected result fails only its own call', async () => {
  let calls = 0;
  const batch = new TurnBatch<number, number>(
    async (items) => {
      if (calls++ === 0) throw new Error('store down');
      return items.map((i) => (i === 2 ? { status: 'rejected', reason: new Error(`bad ${i}`) } : fulfilled(i)));
    },
    { inFlight: 1, maxItems: 10 },
  );
  const first = await Promise.allSettled([batch.add(1), batch.add(2)]);
  assert.deepEqual(first.map((r) => r.status === 'rejected' && (r.reason as Error).message), ['store down', 'store down']);
  const second = await Promise.allSettled([batch.add(1), batch.add(2), batch.add(3)]);
  assert.deepEqual(second.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)), [1, 'bad 2', 3]);
});

test('drained waits for the batches in flight and those waiting', async () => {
  const { batch, release } = gated();
  const answers = [1, 2, 3, 4, 5, 6, 7].map((i) => batch.add(i));
  let drained = false;
  const done = batch.drained().then(() => (drained = true));
  for (let i = 0; i < 5 && !drained; i++) {
    await turn();
    release.shift()?.();
  }
  await done;
  assert.deepEqual(await Promise.all(answers), [10, 20, 30, 40, 50, 60, 70]);
  await batch.drained();
});
