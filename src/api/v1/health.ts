// Per-integration health for the console's Health screen: what is queued and retrying now, what is
// in flight, and since the hub started how sends came out and how many webhooks were refused
// (the same numbers /metrics shows, for one project, without a Prometheus).
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Counter } from 'prom-client';
import type { Hub } from '../../hub.js';
import { listIntegrations } from '../../services/integrations.js';
import { queueDepths } from '../../services/messages.js';
import { getProject } from '../../services/projects.js';
import { requireProject } from './auth.js';
import { errorResponses, ProjectParams } from './schemas.js';

const IntegrationHealth = Type.Object({
  integration_id: Type.String(),
  name: Type.String(),
  provider: Type.String(),
  queued: Type.Integer({ description: 'messages waiting to be sent' }),
  retrying: Type.Integer({ description: 'of them, those waiting to retry after a failed attempt' }),
  in_flight: Type.Integer({ description: 'requests being sent now' }),
  sends: Type.Record(Type.String(), Type.Integer(), { description: 'send attempts since the hub started, by outcome: accepted, retry, refused, unknown' }),
  webhooks_refused: Type.Record(Type.String(), Type.Integer(), { description: 'webhooks refused since the hub started, by reason' }),
});

/** A counter's values for one integration, keyed by another label. */
async function countsFor(counter: Counter<'integration_id' | 'outcome'> | Counter<'integration_id' | 'reason'>, integrationId: string, label: 'outcome' | 'reason') {
  const out: Record<string, number> = {};
  for (const v of (await counter.get()).values) {
    const labels = v.labels as Record<string, string | number | undefined>;
    if (labels.integration_id === integrationId) out[String(labels[label])] = v.value;
  }
  return out;
}

export const healthRoutes = (hub: Hub): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/projects/:pid/health', {
    schema: {
      tags: ['integrations'],
      operationId: 'getProjectHealth',
      summary: "The project's integrations: queue depth, sends and refusals",
      params: ProjectParams,
      response: { 200: Type.Object({ data: Type.Array(IntegrationHealth) }), ...errorResponses },
    },
  }, async (req) => {
    requireProject(req, req.params.pid);
    await getProject(hub.db, req.params.pid);
    const [rows, depths] = await Promise.all([listIntegrations(hub.db, req.params.pid), queueDepths(hub.db)]);
    const inFlight = hub.dispatcher.queueDepths();
    const data = await Promise.all(
      rows.map(async (r) => {
        const d = depths.find((x) => x.integration_id === r.id);
        return {
          integration_id: r.id,
          name: r.name,
          provider: r.provider,
          queued: d?.queued ?? 0,
          retrying: d?.retrying ?? 0,
          in_flight: inFlight[r.id]?.inFlight ?? 0,
          sends: await countsFor(hub.metrics.sends, r.id, 'outcome'),
          webhooks_refused: await countsFor(hub.metrics.webhookRefusals, r.id, 'reason'),
        };
      }),
    );
    return { data };
  });
};
