import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Hub } from '../../hub.js';
import { getProject } from '../../services/projects.js';
import { requireProject } from '../auth.js';
import { errorResponses, Page, PageQuery, pageLimit, ProjectParams } from '../schemas.js';
import { eventCursor } from './events.js';

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
    const count = async (q: Promise<{ n: number | bigint | string } | undefined>) => Number((await q)?.n ?? 0);
    const [profiles, rejections, deliveries] = await Promise.all([
      count(hub.db.selectFrom('customers').select((eb) => eb.fn.countAll<number>().as('n')).where('project_id', '=', p.id).where('origin', '=', 'direct_ingest').executeTakeFirst()),
      count(hub.db.selectFrom('ingest_rejections').select((eb) => eb.fn.countAll<number>().as('n')).where('project_id', '=', p.id).executeTakeFirst()),
      count(hub.db.selectFrom('direct_deliveries').select((eb) => eb.fn.countAll<number>().as('n')).where('project_id', '=', p.id).executeTakeFirst()),
    ]);
    return { url: `${hub.config.publicUrl}/ingest/sinch/${p.app_key}`, profiles_created: profiles, rejections, deliveries_tracked: deliveries };
  });

  app.get('/projects/:pid/ingest/sinch/rejections', {
    schema: { tags: ['direct-send ingest'], description: 'Reports refused (e.g. without $uid), newest last.', params: ProjectParams, querystring: Type.Object(PageQuery), response: { 200: Page(Rejection), ...errorResponses } },
  }, async (req) => {
    requireProject(req, req.params.pid);
    await getProject(hub.db, req.params.pid);
    const limit = pageLimit(req.query.limit);
    const after = eventCursor(req.query.cursor);
    let q = hub.db.selectFrom('ingest_rejections').selectAll().where('project_id', '=', req.params.pid).orderBy('id').limit(limit + 1);
    if (after !== undefined) q = q.where('id', '>', after);
    const rows = await q.execute();
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
