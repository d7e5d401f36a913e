// Tracked short links: /l/{code} redirects to the original URL and records the click.
import type { FastifyPluginAsync } from 'fastify';
import type { Hub } from '../../hub.js';
import { followLink } from '../../services/links.js';
import { sendError } from '../errors.js';

export const linkRoutes = (hub: Hub): FastifyPluginAsync => async (app) => {
  app.get<{ Params: { code: string } }>('/l/:code', { schema: { hide: true } }, async (req, reply) => {
    if (!/^[A-Za-z0-9]{1,32}$/.test(req.params.code)) return sendError(reply, 404, 'not_found', 'unknown link');
    const link = await followLink(hub.db, req.params.code, req.method, req.headers);
    if (!link) return sendError(reply, 404, 'not_found', 'unknown link');
    if (link.clicked && link.integrationId) hub.metrics.clicks.inc({ integration_id: link.integrationId });
    // Never cached: every click by a person must reach us.
    return reply.code(302).header('location', link.url).header('cache-control', 'no-store').send();
  });
};
