// Prefixed, time-ordered ids: sortable (FIFO queues, cursors) and self-describing in logs.
import { monotonicFactory } from 'ulid';

const next = monotonicFactory();

export type IdPrefix = 'prj' | 'int' | 'cus' | 'msg' | 'cmp' | 'key' | 'snd';

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${next().toLowerCase()}`;
}
