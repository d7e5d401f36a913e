import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { invalid } from '../../core/errors.js';
import type { Hub } from '../../hub.js';
import { findCustomer } from '../../services/customers.js';
import { listEvents, type EventRow } from '../../services/events.js';
import { getProject } from '../../services/projects.js';
import { requireProject } from './auth.js';
import { AnyObject, errorResponses, Page, PageQuery, pageLimit, pageView, ProjectParams } from './schemas.js';

export const Event = Type.Object({
  id: Type.String(),
  name: Type.String(),
  customer_id: Type.String(),
  timestamp: Type.Number({ description: 'Unix seconds' }),
  properties: AnyObject,
});

export function eventView(e: EventRow) {
  return {
    id: String(e.id),
    name: e.name,
    customer_id: e.customer_id,
    timestamp: e.timestamp / 1000,
    properties: JSON.parse(e.properties) as Record<string, unknown>,
  };
}

export function eventCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  if (!/^\d{1,15}$/.test(cursor)) throw invalid('invalid_request', 'cursor must be the next_cursor of a previous page', 'cursor');
  return Number(cursor);
}

/** The filters of the event list, shared by its export. */
export const EventFilters = {
  customer_id: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
  status: Type.Optional(Type.String()),
  campaign_id: Type.Optional(Type.String()),
  message_id: Type.Optional(Type.String()),
};

export const eventRoutes = (hub: Hub): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/projects/:pid/events', {
    schema: {
      tags: ['events'],
      operationId: 'listEvents',
      summary: 'List events',
      description: 'Events in the order they were recorded, with filters and cursor pagination.',
      params: ProjectParams,
      querystring: Type.Object({ ...PageQuery, ...EventFilters }),
      response: { 200: Page(Event), ...errorResponses },
    },
  }, async (req) => {
    requireProject(req, req.params.pid);
    await getProject(hub.db, req.params.pid);
    const q = req.query;
    let customerRef: string | undefined;
    if (q.customer_id) {
      const c = await findCustomer(hub.db, req.params.pid, q.customer_id);
      if (!c) return { data: [], next_cursor: null };
      customerRef = c.id;
    }
    const page = await listEvents(hub.db, req.params.pid, {
      customer_ref: customerRef,
      name: q.name,
      status: q.status,
      campaign_id: q.campaign_id,
      message_id: q.message_id,
      after: eventCursor(q.cursor),
      limit: pageLimit(q.limit),
    });
    return pageView(page, eventView);
  });
};
