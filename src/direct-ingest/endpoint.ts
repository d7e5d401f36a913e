// Direct-send ingest: Sinch SMS delivery reports for batches a team sent through Sinch itself,
// posted to /ingest/sinch/{app_key}. Verified, checked for a customer id, stored, answered.
import type { FastifyPluginAsync } from 'fastify';
import { sendError, sendTooManyPending } from '../api/errors.js';
import { refused } from '../api/public/refusals.js';
import { clean } from '../core/redact.js';
import type { Hub } from '../hub.js';
import { verifySinchSignature } from '../providers/sinch-signature.js';
import * as projectStore from '../store/projects.js';
import * as rejectionStore from '../store/ingest-rejections.js';
import { checkDirectReport } from './check.js';

/** Rejected bodies are kept for diagnosis, up to this many characters. */
const REJECTED_BODY_CHARS = 2000;
/** A rejected report's client_reference and batch_id are kept up to this many characters. */
const REJECTED_FIELD_CHARS = 256;

export const ingestRoutes = (hub: Hub): FastifyPluginAsync => async (app) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.post<{ Params: { app_key: string }; Body: Buffer | undefined }>('/ingest/sinch/:app_key', { schema: { hide: true } }, async (req, reply) => {
    const project = await projectStore.findByAppKey(hub.db, req.params.app_key);
    if (!project) {
      refused(hub, req, { source: null, reason: 'bad_token', detail: 'unknown direct-send app key' });
      return sendError(reply, 404, 'not_found', 'unknown app key');
    }
    const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const now = Date.now();
    let replayKey: { nonce: string; expiresAtMs: number } | undefined;
    if (project.ingest_signing_secret) {
      const check = verifySinchSignature(hub.box.open(project.ingest_signing_secret), req.headers, rawBody, now);
      if (!check.ok) {
        refused(hub, req, { source: `ingest:${project.id}`, reason: 'bad_signature', detail: check.reason });
        return sendError(reply, 403, 'invalid_signature', check.reason);
      }
      replayKey = { nonce: check.nonce, expiresAtMs: check.timestampMs + 10 * 60 * 1000 };
    }
    const verdict = checkDirectReport(rawBody);
    if (!verdict.ok) {
      // Every field bounded: they come from whoever holds the app key. Kept single-line too.
      await rejectionStore.insert(hub.db, {
        project_id: project.id,
        reason: clean(verdict.reason, []),
        client_reference: verdict.clientReference === null ? null : clean(verdict.clientReference, [], REJECTED_FIELD_CHARS),
        batch_id: verdict.batchId === null ? null : clean(verdict.batchId, [], REJECTED_FIELD_CHARS),
        body: rawBody.toString('utf8').slice(0, REJECTED_BODY_CHARS),
        received_at: now,
      });
      hub.retention.rejectionStored(project.id);
      refused(hub, req, { source: `ingest:${project.id}`, reason: 'bad_body', detail: verdict.reason });
      return sendError(reply, verdict.status, verdict.status === 422 ? 'missing_uid' : 'invalid_report', verdict.reason);
    }
    const result = await hub.callbacks.write({
      source: 'ingest_sinch',
      projectId: project.id,
      endpoint: 'sinch',
      query: '',
      contentType: req.headers['content-type'] ?? null,
      rawBody,
      replayKey,
    });
    if (result === 'replayed') {
      refused(hub, req, { source: `ingest:${project.id}`, reason: 'replay', detail: 'a signed callback received before' });
      return sendError(reply, 409, 'replayed', 'this signed callback was already received');
    }
    if (result === 'too_many_pending') {
      refused(hub, req, { source: `ingest:${project.id}`, reason: 'too_many_pending', detail: "too many of the project's receipts wait to be processed" });
      return sendTooManyPending(reply);
    }
    hub.metrics.webhooks.inc({ integration_id: `ingest:${project.id}`, result });
    return reply.code(200).send();
  });
};
