import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Hub } from '../../hub.js';
import {
  createIntegration,
  getIntegration,
  integrationDetails,
  listIntegrations,
  removeIntegration,
  updateIntegration,
  type IntegrationDetails,
} from '../../services/integrations.js';
import { getProject } from '../../services/projects.js';
import { lastVerify, verifyIntegration } from '../../services/verify-integration.js';
import type { IntegrationsTable } from '../../store/schema.js';
import { requireAdmin, requireProject } from './auth.js';
import { AnyObject, errorResponses, NoContent, ProjectParams } from './schemas.js';

const Params = Type.Object({ pid: Type.String(), iid: Type.String() });
const Common = {
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  config: Type.Optional(AnyObject),
  secrets: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'write-only: stored encrypted, never returned' })),
  rate_limit: Type.Optional(Type.Union([Type.Number({ exclusiveMinimum: 0, maximum: 100000 }), Type.Null()], { description: 'message parts per second; null = unlimited' })),
  max_concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 1024 })),
  send_timeout_ms: Type.Optional(
    Type.Integer({
      minimum: 1000,
      maximum: 120_000,
      description: 'how long a send waits for the provider to answer (default 15000); a send that times out may have reached the provider, so it is reconciled before it is sent again',
    }),
  ),
  retry_deadline_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 7 * 24 * 3600 })),
};
const VerifyResult = Type.Object({
  ok: Type.Boolean(),
  checked_at: Type.String(),
  reason: Type.Optional(Type.String({ description: 'unauthorized, forbidden, not_found, rate_limited, unreachable, provider_error, unexpected_answer or not_supported' })),
  message: Type.Optional(Type.String({ description: 'what was found, in words a user can act on; never a secret' })),
  details: Type.Optional(AnyObject),
});
const Integration = Type.Object({
  id: Type.String(),
  project_id: Type.String(),
  provider: Type.String(),
  name: Type.String(),
  channels: Type.Array(Type.String()),
  config: AnyObject,
  secrets_set: Type.Array(Type.String(), { description: 'names of the secrets that are set (values are never returned)' }),
  rate_limit: Type.Union([Type.Number(), Type.Null()]),
  max_concurrency: Type.Integer(),
  send_timeout_ms: Type.Integer(),
  retry_deadline_seconds: Type.Integer(),
  is_default_sms: Type.Boolean(),
  webhook_urls: Type.Record(Type.String(), Type.String()),
  last_verify: Type.Union([VerifyResult, Type.Null()], { description: 'the last credentials check (POST …/verify); null: never checked, or changed since' }),
  created_at: Type.String(),
  updated_at: Type.String(),
});

export function integrationView(row: IntegrationsTable, details: IntegrationDetails, defaultSmsId: string | null) {
  return {
    id: row.id,
    project_id: row.project_id,
    provider: row.provider,
    name: row.name,
    channels: details.channels,
    config: JSON.parse(row.config) as Record<string, unknown>,
    secrets_set: details.secretNames,
    rate_limit: row.rate_limit,
    max_concurrency: row.max_concurrency,
    send_timeout_ms: row.send_timeout_ms,
    retry_deadline_seconds: row.retry_deadline_seconds,
    is_default_sms: defaultSmsId === row.id,
    webhook_urls: details.webhookUrls,
    last_verify: lastVerify(row),
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}

export const integrationRoutes = (hub: Hub): FastifyPluginAsyncTypebox => async (app) => {
  const view = async (row: IntegrationsTable, defaultSmsId: string | null) => integrationView(row, await integrationDetails(hub, row), defaultSmsId);
  /** One integration, with whether it is its project's default SMS provider. */
  const viewOne = async (projectId: string, row: IntegrationsTable) => view(row, (await getProject(hub.db, projectId)).default_sms_integration_id);

  app.post('/projects/:pid/integrations', {
    schema: {
      tags: ['integrations'],
      operationId: 'createIntegration',
      summary: 'Add an integration',
      description: 'Admin only. Adds a provider account. For sinch_sms: config {service_plan_id, region: us|eu|au|br|ca, base_url?, default_sender?}, secrets {api_token, webhook_signing_secret?}.',
      params: ProjectParams,
      body: Type.Object({ provider: Type.String({ minLength: 1 }), ...Common }, { additionalProperties: false }),
      response: { 201: Integration, ...errorResponses },
    },
  }, async (req, reply) => {
    requireAdmin(req);
    const row = await createIntegration(hub, req.params.pid, req.body);
    return reply.code(201).send(await viewOne(req.params.pid, row));
  });

  app.get('/projects/:pid/integrations', { schema: { tags: ['integrations'], operationId: 'listIntegrations', summary: 'List integrations', params: ProjectParams, response: { 200: Type.Object({ data: Type.Array(Integration) }), ...errorResponses } } }, async (req) => {
    requireProject(req, req.params.pid);
    const project = await getProject(hub.db, req.params.pid);
    const rows = await listIntegrations(hub.db, req.params.pid);
    return { data: await Promise.all(rows.map((r) => view(r, project.default_sms_integration_id))) };
  });

  app.get('/projects/:pid/integrations/:iid', { schema: { tags: ['integrations'], operationId: 'getIntegration', summary: 'Get an integration', params: Params, response: { 200: Integration, ...errorResponses } } }, async (req) => {
    requireProject(req, req.params.pid);
    return viewOne(req.params.pid, await getIntegration(hub.db, req.params.pid, req.params.iid));
  });

  app.patch('/projects/:pid/integrations/:iid', {
    schema: {
      tags: ['integrations'],
      operationId: 'updateIntegration',
      summary: 'Update an integration',
      description: 'Admin only. Secrets named here are replaced; the others are kept.',
      params: Params,
      body: Type.Object({ provider: Type.Optional(Type.String()), ...Common }, { additionalProperties: false }),
      response: { 200: Integration, ...errorResponses },
    },
  }, async (req) => {
    requireAdmin(req);
    return viewOne(req.params.pid, await updateIntegration(hub, req.params.pid, req.params.iid, req.body));
  });

  app.post('/projects/:pid/integrations/:iid/verify', {
    schema: {
      tags: ['integrations'],
      operationId: 'verifyIntegration',
      summary: 'Check the credentials with the provider, sending nothing',
      description: 'Checks the stored credentials against the provider with a read that sends nothing, and records the result on the integration. 200 whatever the outcome (the check ran): see `ok` and `reason`.',
      params: Params,
      response: { 200: VerifyResult, ...errorResponses },
    },
  }, async (req) => {
    requireProject(req, req.params.pid);
    return verifyIntegration(hub, req.params.pid, req.params.iid);
  });

  app.delete('/projects/:pid/integrations/:iid', { schema: { tags: ['integrations'], operationId: 'deleteIntegration', summary: 'Remove an integration', params: Params, response: { 204: NoContent, ...errorResponses } } }, async (req, reply) => {
    requireAdmin(req);
    await removeIntegration(hub, req.params.pid, req.params.iid);
    return reply.code(204).send();
  });
};
