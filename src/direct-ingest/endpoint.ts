// Direct-send ingest: Sinch SMS delivery reports for batches a team sent through Sinch itself,
// posted to /ingest/sinch/{app_key}. Verified, checked for a customer id, stored, answered.
import type { FastifyPluginAsync } from 'fastify';
import { sendError, sendTooManyPending } from '../api/errors.js';
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
    if (!project) return sendError(reply, 404, 'not_found', 'unknown app key');
    const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const now = Date.now();
    let replayKey: { nonce: string; expiresAtMs: number } | undefined;
    if (project.ingest_signing_secret) {
      const check = verifySinchSignature(hub.box.open(project.ingest_signing_secret), req.headers, rawBody, now);
      if (!check.ok) {
        // Counted rather than logged at warn: a flood of refusals must not become a flood of log lines.
      hub.metrics.count('callbacks_refused_pending_total', `ingest:${project.id}`);
      req.log.debug({ project_id: project.id, reason: check.reason }, 'direct-send callback rejected');
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
    if (result === 'replayed') return sendError(reply, 409, 'replayed', 'this signed callback was already received');
    if (result === 'too_many_pending') {
      // Counted rather than logged at warn: a flood of refusals must not become a flood of log lines.
      hub.metrics.count('callbacks_refused_pending_total', `ingest:${project.id}`);
      req.log.debug({ project_id: project.id }, 'callback refused: its source has too many pending');
      return sendTooManyPending(reply);
    }
    return reply.code(200).send();
  });
};
