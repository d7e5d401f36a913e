// The event timeline on customer profiles.
import type { DB } from '../store/db.js';
import * as eventStore from '../store/events.js';
import type { EventFilter, EventRow } from '../store/events.js';
import type { EventsTable } from '../store/schema.js';
import { pageOf, type ListPage } from './paging.js';

/** An event as the pipeline builds it: the row, with its properties still an object. */
export type NewEvent = Omit<EventsTable, 'id' | 'properties' | 'created_at'> & { properties: Record<string, unknown> };

/** Inserts unless an event with the same dedup key exists. Returns whether it was inserted. */
export function recordEvent(db: DB, e: NewEvent): Promise<boolean> {
  return eventStore.insert(db, { ...e, properties: JSON.stringify(e.properties), created_at: Date.now() });
}

export type { EventFilter, EventRow };

export async function listEvents(db: DB, projectId: string, f: EventFilter): Promise<ListPage<EventRow>> {
  const rows = await eventStore.list(db, projectId, { ...f, limit: f.limit + 1 });
  return pageOf(rows, f.limit, (last) => String(last.id));
}

/** The id of the newest event recorded (0 for none): where a live stream starts. */
export function latestEventId(db: DB): Promise<number> {
  return eventStore.maxId(db);
}

export function countEventsByStatus(db: DB, campaignId: string): Promise<Record<string, number>> {
  return eventStore.countByStatus(db, campaignId);
}

/**
 * Counts the events committed since the last look, for /metrics: read from the store by id, so
 * whichever part of the hub wrote them (and whatever rolled back) it is exact.
 */
export class RecordedEventTally {
  #lastId: number | null = null;

  constructor(private readonly db: DB) {}

  /** Starts counting from the newest event now stored. */
  async start(): Promise<void> {
    this.#lastId = await eventStore.maxId(this.db);
  }

  async take(): Promise<{ name: string; status: string; n: number }[]> {
    if (this.#lastId === null) return [];
    const { counts, lastId } = await eventStore.countSince(this.db, this.#lastId);
    this.#lastId = lastId;
    return counts;
  }
}
