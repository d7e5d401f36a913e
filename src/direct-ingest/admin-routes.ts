import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { requireProject } from '../api/v1/auth.js';
import { eventCursor } from '../api/v1/events.js';
import { errorResponses, Page, PageQuery, pageLimit, ProjectParams } from '../api/v1/schemas.js';
import type { Hub } from '../hub.js';
import { getProject } from '../services/projects.js';
import * as customerStore from '../store/customers.js';
import * as directDeliveryStore from '../store/direct-deliveries.js';
import * as rejectionStore from '../store/ingest-rejections.js';

const Rejection = Type.Object({
  id: Type.String(),
  reason: Type.String(),
  client_reference: Type.Union([Type.String(), Type.Null()]),
  batch_id: Type.Union([Type.String(), Type.Null()]),
  body: Type.String({ description: 'the start of the rejected body' }),
  received_at: Type.String(),
});

export const ingestAdminRoutes = (hub: Hub): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/projects/:pid/ingest/sinch', {
    schema: {
      tags: ['direct-send ingest'],
      operationId: 'getDirectIngest',
      summary: 'Get the direct-send ingest',
      description: 'The direct-send ingest of Sinch delivery receipts: its URL, how many profiles it created, how many reports it rejected.',
      params: ProjectParams,
      response: {
        200: Type.Object({ url: Type.String(), profiles_created: Type.Integer(), rejections: Type.Integer(), deliveries_tracked: Type.Integer() }),
        ...errorResponses,
      },
    },
  }, async (req) => {
    requireProject(req, req.params.pid);
    const p = await getProject(hub.db, req.params.pid);
    const [profiles, rejections, deliveries] = await Promise.all([
      customerStore.countByOrigin(hub.db, p.id, 'direct_ingest'),
      rejectionStore.count(hub.db, p.id),
      directDeliveryStore.count(hub.db, p.id),
    ]);
    return { url: `${hub.config.publicUrl}/ingest/sinch/${p.app_key}`, profiles_created: profiles, rejections, deliveries_tracked: deliveries };
  });

  app.get('/projects/:pid/ingest/sinch/rejections', {
    schema: { tags: ['direct-send ingest'], operationId: 'listDirectIngestRejections', summary: 'List rejected direct-send reports', description: 'Reports refused (e.g. without $uid), newest last.', params: ProjectParams, querystring: Type.Object(PageQuery), response: { 200: Page(Rejection), ...errorResponses } },
  }, async (req) => {
    requireProject(req, req.params.pid);
    await getProject(hub.db, req.params.pid);
    const limit = pageLimit(req.query.limit);
    const after = eventCursor(req.query.cursor);
    const rows = await rejectionStore.list(hub.db, req.params.pid, { after, limit: limit + 1 });
    const page = rows.slice(0, limit);
    return {
      data: page.map((r) => ({
        id: String(r.id),
        reason: r.reason,
        client_reference: r.client_reference,
        batch_id: r.batch_id,
        body: r.body,
        received_at: new Date(r.received_at).toISOString(),
      })),
      next_cursor: rows.length > limit ? String(page[page.length - 1]!.id) : null,
    };
  });
};
