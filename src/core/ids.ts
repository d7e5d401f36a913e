// Prefixed, time-ordered ids: sortable (FIFO queues, cursors) and self-describing in logs.
import { randomFillSync } from 'node:crypto';
import { encodeTime, monotonicFactory } from 'ulid';

/**
 * Random bytes for ulid drawn from a pool refilled by the system CSPRNG. ulid's own source asks
 * the CSPRNG for one byte per character, sixteen calls per id; this asks once per 256 ids.
 */
const pool = new Uint8Array(4096);
let used = pool.length;
function pooledRandom(): number {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  return pool[used++]! / 256;
}

const next = monotonicFactory(pooledRandom);

export type IdPrefix = 'prj' | 'int' | 'cus' | 'msg' | 'cmp' | 'key' | 'snd' | 'imp';

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${next().toLowerCase()}`;
}

/**
 * The lowest id of this prefix created at or after `t` (ms): ids compare in creation order, so
 * `id >= idFloor(prefix, t)` selects what was created since t over any index holding the id.
 */
export function idFloor(prefix: IdPrefix, t: number): string {
  return `${prefix}_${encodeTime(Math.max(0, Math.floor(t)), 10).toLowerCase()}`;
}
