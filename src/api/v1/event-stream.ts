// The events of a project as a server-sent event stream, for live timelines and dashboards.
// It tails the events table by id: whatever process wrote an event, the stream sees it once it
// is committed, and a client that reconnects with Last-Event-ID misses nothing and gets
// nothing twice.
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { invalid, notFound } from '../../core/errors.js';
import type { Hub } from '../../hub.js';
import { findCustomer } from '../../services/customers.js';
import { latestEventId, listEvents, type EventFilter } from '../../services/events.js';
import { getProject } from '../../services/projects.js';
import { requireProject } from './auth.js';
import { eventView } from './events.js';
import { errorResponses, ProjectParams } from './schemas.js';

export interface EventStreamOptions {
  /** How long a caught-up stream waits before looking for new events. */
  pollMs: number;
  /** A comment line this often keeps proxies from closing an idle stream. */
  heartbeatMs: number;
  /** Events read per query: a client far behind catches up in pages. */
  batch: number;
}

const DEFAULTS: EventStreamOptions = { pollMs: 250, heartbeatMs: 15_000, batch: 500 };

/** Where a stream resumes: the Last-Event-ID header (what EventSource sends on reconnect) wins. */
export function resumeFrom(header: string | string[] | undefined, query: string | undefined): { after: number; field: string } | null {
  const [raw, field] = header !== undefined ? [Array.isArray(header) ? header[0] : header, 'Last-Event-ID'] : [query, 'last_event_id'];
  if (raw === undefined) return null;
  if (!/^\d{1,15}$/.test(raw.trim())) throw invalid('invalid_request', `${field} must be the id of an event`, field);
  return { after: Number(raw.trim()), field };
}

export const eventStreamRoutes = (hub: Hub, opts: Partial<EventStreamOptions> = {}): FastifyPluginAsyncTypebox => async (app) => {
  const o = { ...DEFAULTS, ...opts };
  // Streams end when the server closes, or close would wait for them forever.
  const closing = new AbortController();
  app.addHook('preClose', async () => closing.abort());

  app.get('/projects/:pid/events/stream', {
    schema: {
      tags: ['events'],
      operationId: 'streamEvents',
      summary: 'Stream events as they are recorded (server-sent events)',
      description:
        'A text/event-stream of the events matching the filters, each as `id: <event id>`, `event: event`, `data: <the event as GET …/events shows it>`. ' +
        'Without Last-Event-ID (or last_event_id) it starts with the next event recorded; with it, it resumes right after that event, so a reconnecting client misses nothing and sees nothing twice. ' +
        'A comment line every 15 s keeps idle connections open.',
      params: ProjectParams,
      querystring: Type.Object({
        customer_id: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
        name: Type.Optional(Type.String()),
        status: Type.Optional(Type.String()),
        campaign_id: Type.Optional(Type.String()),
        message_id: Type.Optional(Type.String()),
        last_event_id: Type.Optional(Type.String({ description: 'resume after this event id (for clients that cannot set the Last-Event-ID header)' })),
      }),
      response: { 200: Type.String({ description: 'text/event-stream' }), ...errorResponses },
    },
  }, async (req, reply) => {
    requireProject(req, req.params.pid);
    const projectId = req.params.pid;
    await getProject(hub.db, projectId);
    const q = req.query;
    const filter: Omit<EventFilter, 'limit'> = { name: q.name, status: q.status, campaign_id: q.campaign_id, message_id: q.message_id };
    if (q.customer_id !== undefined) {
      const c = await findCustomer(hub.db, projectId, q.customer_id);
      if (!c) throw notFound('customer', 'customer_id');
      filter.customer_ref = c.id;
    }
    let after = resumeFrom(req.headers['last-event-id'], q.last_event_id)?.after ?? (await latestEventId(hub.db));

    const raw = reply.hijack().raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      // Proxies such as nginx would otherwise hold the stream back in their buffers.
      'x-accel-buffering': 'no',
    });
    const done = AbortSignal.any([closing.signal, abortOnClose(raw)]);
    const write = async (chunk: string) => {
      if (!raw.write(chunk)) await once(raw, 'drain', { signal: done });
    };
    let lastWrite = Date.now();
    try {
      await write('retry: 2000\n\n');
      while (!done.aborted) {
        const page = await listEvents(hub.db, projectId, { ...filter, after, limit: o.batch });
        if (page.items.length > 0) {
          let out = '';
          for (const e of page.items) out += `id: ${e.id}\nevent: event\ndata: ${JSON.stringify(eventView(e))}\n\n`;
          after = page.items[page.items.length - 1]!.id;
          await write(out);
          lastWrite = Date.now();
          if (page.nextCursor !== null) continue;
        } else if (Date.now() - lastWrite >= o.heartbeatMs) {
          await write(': keep-alive\n\n');
          lastWrite = Date.now();
        }
        await sleep(o.pollMs, undefined, { signal: done });
      }
    } catch (err) {
      if (!done.aborted) req.log.warn({ err }, 'event stream ended by an error');
    } finally {
      raw.end();
    }
  });
};

/** Aborts when the client goes away. */
function abortOnClose(raw: NodeJS.WritableStream & { once(e: 'close', f: () => void): unknown }): AbortSignal {
  const ac = new AbortController();
  raw.once('close', () => ac.abort());
  return ac.signal;
}
