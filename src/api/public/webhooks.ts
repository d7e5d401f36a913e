// Provider webhooks: authenticate (URL token, then the provider's signature on the raw bytes),
// store durably, answer. Processing happens in the callback processor, never on this path.
import type { FastifyPluginAsync } from 'fastify';
import type { Hub } from '../../hub.js';
import { sendError, sendTooManyPending } from '../errors.js';

interface HookParams {
  iid: string;
  token: string;
  endpoint: string;
}

export const webhookRoutes = (hub: Hub): FastifyPluginAsync => async (app) => {
  // Signatures are computed over the exact bytes the provider sent: keep them unparsed.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.post<{ Params: HookParams; Body: Buffer | undefined }>('/webhooks/:iid/:token/:endpoint', { schema: { hide: true } }, async (req, reply) => {
    const { iid, token, endpoint } = req.params;
    const rt = await hub.integrations.authenticateWebhook(iid, token);
    // The same answer for an unknown integration and a wrong token: nothing to probe.
    if (!rt) return sendError(reply, 404, 'not_found', 'unknown webhook');
    const hook = rt.adapter.webhookEndpoints.find((e) => e.name === endpoint);
    if (!hook) return sendError(reply, 404, 'not_found', 'unknown webhook');
    const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (rawBody.length === 0) return sendError(reply, 400, 'empty_body', 'the webhook body is empty');
    const check = rt.adapter.verifyWebhook(
      rt.secrets,
      { endpoint, headers: req.headers, rawBody, publicUrl: hub.config.publicUrl + req.url },
      Date.now(),
    );
    if (!check.ok) {
      // Counted rather than logged at warn: a flood of refusals must not become a flood of log lines.
      hub.metrics.count('callbacks_refused_pending_total', rt.id);
      req.log.debug({ integration_id: iid, reason: check.reason }, 'webhook rejected');
      return sendError(reply, 403, 'invalid_signature', check.reason);
    }
    const result = await hub.callbacks.write({
      source: 'webhook',
      projectId: rt.projectId,
      integrationId: rt.id,
      endpoint,
      query: req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '',
      contentType: req.headers['content-type'] ?? null,
      rawBody,
      replayKey: check.replayKey,
    });
    if (result === 'replayed') return sendError(reply, 409, 'replayed', 'this signed callback was already received');
    if (result === 'too_many_pending') {
      // Counted rather than logged at warn: a flood of refusals must not become a flood of log lines.
      hub.metrics.count('callbacks_refused_pending_total', rt.id);
      req.log.debug({ project_id: rt.projectId, integration_id: rt.id }, 'callback refused: its source has too many pending');
      return sendTooManyPending(reply);
    }
    hub.metrics.count(result === 'stored' ? 'webhooks_stored_total' : 'webhooks_duplicate_total', rt.id);
    if (hook.response) return reply.code(200).type(hook.response.contentType).send(hook.response.body);
    return reply.code(200).send();
  });
};
