// The event timeline on customer profiles, as the API shows it.
import type { DB } from '../store/db.js';
import * as eventStore from '../store/events.js';
import type { EventFilter, EventRow } from '../store/events.js';
import type { EventsTable } from '../store/schema.js';

/** An event as the pipeline builds it: the row, with its properties still an object. */
export type NewEvent = Omit<EventsTable, 'id' | 'properties' | 'created_at'> & { properties: Record<string, unknown> };

/** Inserts unless an event with the same dedup key exists. Returns whether it was inserted. */
export function recordEvent(db: DB, e: NewEvent): Promise<boolean> {
  return eventStore.insert(db, { ...e, properties: JSON.stringify(e.properties), created_at: Date.now() });
}

export function eventView(e: EventRow) {
  return {
    id: String(e.id),
    name: e.name,
    customer_id: e.customer_id,
    timestamp: e.timestamp / 1000,
    properties: JSON.parse(e.properties) as Record<string, unknown>,
  };
}

export type { EventFilter };

export async function listEvents(db: DB, projectId: string, f: EventFilter) {
  const rows = await eventStore.list(db, projectId, { ...f, limit: f.limit + 1 });
  const page = rows.slice(0, f.limit);
  return { data: page.map(eventView), next_cursor: rows.length > f.limit ? String(page[page.length - 1]!.id) : null };
}

export function countEventsByStatus(db: DB, campaignId: string): Promise<Record<string, number>> {
  return eventStore.countByStatus(db, campaignId);
}
