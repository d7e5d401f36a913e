// Provider webhooks: authenticate (URL token, then the provider's signature on the raw bytes),
// store durably, answer. Processing happens in the callback processor, never on this path.
import type { FastifyPluginAsync } from 'fastify';
import type { Hub } from '../../hub.js';
import { sendError, sendTooManyPending } from '../errors.js';
import { refused } from './refusals.js';

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
    // The same answer for an unknown integration and a wrong token: nothing to probe. The id in
    // the URL is not trusted as a metric label (anyone can make up ids).
    if (!rt) {
      refused(hub, req, { source: null, claimed: iid, reason: 'bad_token', detail: 'unknown integration or wrong URL token' });
      return sendError(reply, 404, 'not_found', 'unknown webhook');
    }
    const hook = rt.adapter.webhookEndpoints.find((e) => e.name === endpoint);
    if (!hook) {
      refused(hub, req, { source: rt.id, reason: 'bad_token', detail: `no webhook endpoint named ${endpoint.slice(0, 64)}` });
      return sendError(reply, 404, 'not_found', 'unknown webhook');
    }
    const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (rawBody.length === 0) {
      refused(hub, req, { source: rt.id, reason: 'bad_body', detail: 'empty body' });
      return sendError(reply, 400, 'empty_body', 'the webhook body is empty');
    }
    const check = rt.adapter.verifyWebhook(
      rt.secrets,
      { endpoint, headers: req.headers, rawBody, publicUrl: hub.config.publicUrl + req.url },
      Date.now(),
    );
    if (!check.ok) {
      refused(hub, req, { source: rt.id, reason: 'bad_signature', detail: check.reason });
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
    if (result === 'replayed') {
      refused(hub, req, { source: rt.id, reason: 'replay', detail: 'a signed callback received before' });
      return sendError(reply, 409, 'replayed', 'this signed callback was already received');
    }
    if (result === 'too_many_pending') {
      refused(hub, req, { source: rt.id, reason: 'too_many_pending', detail: 'too many callbacks of this integration wait to be processed' });
      return sendTooManyPending(reply);
    }
    hub.metrics.webhooks.inc({ integration_id: rt.id, result });
    if (hook.response) return reply.code(200).type(hook.response.contentType).send(hook.response.body);
    return reply.code(200).send();
  });
};
