import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import { spreadsheetSafe } from '../../core/spreadsheet.js';
import type { Hub } from '../../hub.js';
import { findCustomer } from '../../services/customers.js';
import { exportEvents, exportMessages } from '../../services/exports.js';
import { getProject } from '../../services/projects.js';
import { requireProject } from './auth.js';
import { EventFilters, eventView } from './events.js';
import { MessageFilters, messageFilter, messageView } from './messages.js';
import { errorResponses, ProjectParams } from './schemas.js';

const Format = Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('ndjson')], { description: 'csv (default) or ndjson' }));

/** CSV columns of the events export (docs/customer-data.md). */
export const EVENT_COLUMNS = ['id', 'name', 'customer_id', 'timestamp', 'properties'] as const;
/** CSV columns of the messages export (docs/customer-data.md). */
export const MESSAGE_COLUMNS = [
  'id', 'created_at', 'project_id', 'integration_id', 'campaign_id', 'customer_id', 'message_type', 'channel', 'recipient', 'sender',
  'sender_profile_id', 'body', 'content', 'media_urls', 'parts', 'encoding', 'status', 'dispatch_state', 'attempts',
  'provider_message_id', 'sent_timestamp', 'expects_delivery_reports', 'possible_duplicate', 'last_error',
  'fallback_of', 'fallback_message_id',
] as const;

/** Objects and arrays as JSON text in their cell; null as an empty cell; text a spreadsheet would run as a formula, as text. */
function cell(v: unknown): unknown {
  if (typeof v === 'string') return spreadsheetSafe(v);
  return v !== null && typeof v === 'object' ? JSON.stringify(v) : v;
}

/** Views as lines of CSV (after a header) or NDJSON; pulled one at a time as the client reads. */
async function* lines<T>(items: AsyncIterable<T>, view: (x: T) => Record<string, unknown>, format: 'csv' | 'ndjson', columns: readonly string[]): AsyncGenerator<string> {
  if (format === 'csv') yield stringify([[...columns]]);
  let chunk = '';
  for await (const item of items) {
    const v = view(item);
    chunk += format === 'csv' ? stringify([columns.map((c) => cell(v[c]))]) : JSON.stringify(v) + '\n';
    // A few rows per write: fewer, larger chunks through the stream.
    if (chunk.length >= 16 * 1024) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

const CONTENT_TYPE = { csv: 'text/csv; charset=utf-8', ndjson: 'application/x-ndjson' } as const;

const fileResponse = (what: string) => {
  const schema = { type: 'string', description: `${what}, streamed` };
  return Type.Unsafe<Readable>({ description: `${what} as CSV or NDJSON`, content: { 'text/csv': { schema }, 'application/x-ndjson': { schema } } });
};

/**
 * Runs the export up to its first row before answering: what only the first page reveals (a
 * filter the service refuses) is still a 4xx, not a broken stream.
 */
async function primed<T>(rows: AsyncGenerator<T>): Promise<AsyncGenerator<T>> {
  const first = await rows.next();
  return (async function* () {
    if (first.done) return;
    yield first.value;
    yield* rows;
  })();
}

export const exportRoutes = (hub: Hub): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/projects/:pid/exports/events', {
    schema: {
      tags: ['exports', 'events'],
      operationId: 'exportEvents',
      summary: 'Export events',
      description: `Every event matching the filters of GET …/events, oldest first, streamed. CSV columns: ${EVENT_COLUMNS.join(', ')} (properties as JSON).`,
      params: ProjectParams,
      querystring: Type.Object({ format: Format, ...EventFilters }),
      response: { 200: fileResponse('the events'), ...errorResponses },
    },
  }, async (req, reply) => {
    requireProject(req, req.params.pid);
    await getProject(hub.db, req.params.pid);
    const { format = 'csv', customer_id, ...filter } = req.query;
    let customerRef: string | undefined;
    // An unknown customer has no events: a ref no event has.
    if (customer_id !== undefined) customerRef = (await findCustomer(hub.db, req.params.pid, customer_id))?.id ?? 'none';
    const rows = await primed(exportEvents(hub.db, req.params.pid, { ...filter, ...(customerRef !== undefined && { customer_ref: customerRef }) }));
    return reply
      .type(CONTENT_TYPE[format])
      .header('content-disposition', `attachment; filename="events-${req.params.pid}.${format}"`)
      .send(Readable.from(lines(rows, eventView, format, EVENT_COLUMNS)));
  });

  app.get('/projects/:pid/exports/messages', {
    schema: {
      tags: ['exports', 'messages'],
      operationId: 'exportMessages',
      summary: 'Export messages',
      description: `Every message matching the filters of GET …/messages, newest first, streamed. CSV columns: ${MESSAGE_COLUMNS.join(', ')} (content, media_urls and last_error as JSON).`,
      params: ProjectParams,
      querystring: Type.Object({ format: Format, ...MessageFilters }),
      response: { 200: fileResponse('the messages'), ...errorResponses },
    },
  }, async (req, reply) => {
    requireProject(req, req.params.pid);
    await getProject(hub.db, req.params.pid);
    const { format = 'csv', ...q } = req.query;
    // Parsed before the first byte goes out: a bad filter is still a 400.
    const rows = await primed(exportMessages(hub.db, req.params.pid, messageFilter(q)));
    return reply
      .type(CONTENT_TYPE[format])
      .header('content-disposition', `attachment; filename="messages-${req.params.pid}.${format}"`)
      .send(Readable.from(lines(rows, messageView, format, MESSAGE_COLUMNS)));
  });
};
