import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Hub } from '../../hub.js';
import { estimateFilter } from '../../services/audiences.js';
import { getProject } from '../../services/projects.js';
import { requireProject } from './auth.js';
import { AnyObject, errorResponses, ProjectParams } from './schemas.js';

// The grammar is recursive and checked field by field in src/core/audience.ts, which names the
// bad path (`audience.filter.all[2].op`); a JSON Schema union would only say "no branch matched".
export const AudienceFilter = Type.Unsafe<Record<string, unknown>>({
  ...AnyObject,
  description:
    'A condition or a group: {"all": [...]}, {"any": [...]}, {"not": {...}}, ' +
    '{"attribute": name, "op": eq|ne|in|exists|not_exists|gt|gte|lt|lte|before|after|within_last_days, "value": ...}, ' +
    '{"consent": opted_in|opted_out|not_opted_out, "channel"?: ...}, ' +
    '{"event": sent|received|clicked|not_sent|not_received|not_clicked, "campaign_id"?: "cmp_...", "within_days"?: N}. See docs/audiences.md.',
});

export const AudienceEstimate = Type.Object({
  channel: Type.String({ description: 'the channel whose consent counts (the campaign\'s, or the one asked for; default sms)' }),
  size: Type.Integer({ description: 'customers in the audience (a list: the listed ids that name a customer)' }),
  with_phone: Type.Integer({ description: 'of them, those with a phone number' }),
  opted_out: Type.Integer({ description: 'of those with a phone, the ones opted out of the channel' }),
  reachable: Type.Integer({ description: 'with_phone − opted_out: whom a launch would queue a message for, before personalisation skips' }),
  listed_ids: Type.Union([Type.Integer(), Type.Null()], { description: 'a list: how many distinct ids it holds; null for a filter' }),
});

const Channel = Type.Union([Type.Literal('sms'), Type.Literal('mms'), Type.Literal('whatsapp'), Type.Literal('rcs')]);

export const audienceRoutes = (hub: Hub): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/projects/:pid/audiences/estimate', {
    schema: {
      tags: ['audiences'],
      operationId: 'estimateAudience',
      summary: 'Count the customers a filter selects',
      description: 'Evaluates the filter on the project\'s customers now: how many match, have a phone, and are not opted out of the channel. Nothing is written.',
      params: ProjectParams,
      body: Type.Object({ filter: AudienceFilter, channel: Type.Optional(Channel) }, { additionalProperties: false }),
      response: { 200: AudienceEstimate, ...errorResponses },
    },
  }, async (req) => {
    requireProject(req, req.params.pid);
    await getProject(hub.db, req.params.pid);
    return estimateFilter(hub.db, req.params.pid, req.body.filter, req.body.channel);
  });
};
