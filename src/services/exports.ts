// Exports of events and messages: the list queries paged through with their keyset cursors, one
// page in memory at a time, as async iterables the HTTP layer streams with backpressure.
import type { DB } from '../store/db.js';
import type { MessagesTable } from '../store/schema.js';
import { listEvents, type EventFilter, type EventRow } from './events.js';
import { listMessages, type MessageListQuery } from './messages.js';

const PAGE = 1000;

export async function* exportEvents(db: DB, projectId: string, filter: Omit<EventFilter, 'after' | 'limit'>): AsyncGenerator<EventRow> {
  let after: number | undefined;
  for (;;) {
    const page = await listEvents(db, projectId, { ...filter, after, limit: PAGE });
    yield* page.items;
    if (page.nextCursor === null) return;
    after = Number(page.nextCursor);
  }
}

export async function* exportMessages(db: DB, projectId: string, filter: Omit<MessageListQuery, 'cursor' | 'limit'>): AsyncGenerator<MessagesTable> {
  let cursor: string | undefined;
  for (;;) {
    const page = await listMessages(db, projectId, { ...filter, cursor, limit: PAGE });
    yield* page.items;
    if (page.nextCursor === null) return;
    cursor = page.nextCursor;
  }
}
