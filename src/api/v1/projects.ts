import { Type, type FastifyPluginAsyncTypebox, type Static } from '@fastify/type-provider-typebox';
import type { Hub } from '../../hub.js';
import { createApiKey, listApiKeys, revokeApiKey } from '../../services/api-keys.js';
import { createProject, getProject, listProjects, renameProject, rotateAppKey, settingsOf, updateSettings } from '../../services/projects.js';
import type { ProjectsTable } from '../../store/schema.js';
import { principalOf, requireAdmin, requireProject } from './auth.js';
import { errorResponses, NoContent, ProjectParams } from './schemas.js';

const Name = Type.String({ minLength: 1, maxLength: 200 });
const Project = Type.Object({ id: Type.String(), name: Type.String(), created_at: Type.String(), updated_at: Type.String() });

export function projectView(p: ProjectsTable): Static<typeof Project> {
  return { id: p.id, name: p.name, created_at: new Date(p.created_at).toISOString(), updated_at: new Date(p.updated_at).toISOString() };
}

const FrequencyCap = Type.Object(
  {
    max: Type.Integer({ minimum: 1, maximum: 1000 }),
    per: Type.Union([Type.Literal('day'), Type.Literal('week')], { description: 'a rolling 24 hours or 7 days' }),
  },
  { additionalProperties: false },
);

const FailoverList = Type.Array(Type.String({ maxLength: 64 }), { maxItems: 5 });
const FAILOVER_DESCRIPTION =
  'per channel (sms, also for MMS; whatsapp; rcs), the integrations that take over, in order, while the channel default\'s circuit breaker is open (docs/failover.md); ' +
  'each an integration of the project that sends the channel';

const Settings = Type.Object({
  app_key: Type.String({ description: 'identifies the project in the direct-send ingest URL; rotatable' }),
  direct_ingest_url: Type.String({ description: 'set as the callback URL of batches sent straight through Sinch' }),
  ingest_signing_secret_set: Type.Boolean(),
  default_sms_integration_id: Type.Union([Type.String(), Type.Null()], { description: 'default for SMS and MMS' }),
  default_whatsapp_integration_id: Type.Union([Type.String(), Type.Null()]),
  default_rcs_integration_id: Type.Union([Type.String(), Type.Null()]),
  link_tracking: Type.Boolean({ description: 'shorten and track links in SMS bodies (campaigns may override)' }),
  event_names: Type.Record(Type.String(), Type.String(), { description: 'event name per channel (sms, whatsapp, rcs); default "campaign"' }),
  quiet_hours: Type.Union([
    Type.Object({
      start: Type.String({ description: 'local time "HH:MM" (24-hour) when quiet hours begin' }),
      end: Type.String({ description: 'local time "HH:MM" when they end; before start: the window crosses midnight' }),
      timezone_attribute: Type.String({ description: "the customer attribute holding the customer's IANA time zone" }),
      default_timezone: Type.String({ description: 'the zone of a customer with neither that attribute nor a known country' }),
    }),
    Type.Null(),
  ], { description: 'campaign messages due in the recipient\'s quiet hours wait for their end (docs/scheduling.md)' }),
  frequency_cap: Type.Union([FrequencyCap, Type.Null()], { description: 'at most max campaign messages per customer in a rolling day or week' }),
  failover: Type.Object(
    { sms: Type.Optional(FailoverList), whatsapp: Type.Optional(FailoverList), rcs: Type.Optional(FailoverList) },
    { description: `${FAILOVER_DESCRIPTION}. The order a channel's messages fail over in is its default integration, then this list` },
  ),
});

export const projectRoutes = (hub: Hub): FastifyPluginAsyncTypebox => async (app) => {
  const settingsView = (p: ProjectsTable) => ({
    ...settingsOf(p),
    app_key: p.app_key,
    direct_ingest_url: `${hub.config.publicUrl}/ingest/sinch/${p.app_key}`,
    ingest_signing_secret_set: p.ingest_signing_secret !== null,
  });

  app.post('/projects', {
    schema: { tags: ['projects'], operationId: 'createProject', summary: 'Create a project', body: Type.Object({ name: Name }, { additionalProperties: false }), response: { 201: Project, ...errorResponses } },
  }, async (req, reply) => {
    requireAdmin(req);
    return reply.code(201).send(projectView(await createProject(hub.db, req.body.name)));
  });

  app.get('/projects', { schema: { tags: ['projects'], operationId: 'listProjects', summary: 'List projects', response: { 200: Type.Object({ data: Type.Array(Project) }), ...errorResponses } } }, async (req) => {
    const p = principalOf(req);
    const rows = await listProjects(hub.db, p.role === 'admin' ? undefined : [p.projectId]);
    return { data: rows.map(projectView) };
  });

  app.get('/projects/:pid', { schema: { tags: ['projects'], operationId: 'getProject', summary: 'Get a project', params: ProjectParams, response: { 200: Project, ...errorResponses } } }, async (req) => {
    requireProject(req, req.params.pid);
    return projectView(await getProject(hub.db, req.params.pid));
  });

  app.patch('/projects/:pid', {
    schema: { tags: ['projects'], operationId: 'updateProject', summary: 'Rename a project', params: ProjectParams, body: Type.Object({ name: Name }, { additionalProperties: false }), response: { 200: Project, ...errorResponses } },
  }, async (req) => {
    requireAdmin(req);
    return projectView(await renameProject(hub.db, req.params.pid, req.body.name));
  });

  app.get('/projects/:pid/settings', { schema: { tags: ['projects'], operationId: 'getProjectSettings', summary: 'Get project settings', params: ProjectParams, response: { 200: Settings, ...errorResponses } } }, async (req) => {
    requireProject(req, req.params.pid);
    return settingsView(await getProject(hub.db, req.params.pid));
  });

  app.put('/projects/:pid/settings', {
    schema: {
      tags: ['projects'],
      operationId: 'updateProjectSettings',
      summary: 'Set project settings',
      description:
        'Admin only. Sets the default integration per channel (used when a send names none), the failover integrations per channel, event names, link tracking, quiet hours and the frequency cap. Fields left out keep their value.',
      params: ProjectParams,
      body: Type.Object(
        {
          default_sms_integration_id: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
          default_whatsapp_integration_id: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
          default_rcs_integration_id: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
          link_tracking: Type.Optional(Type.Boolean()),
          ingest_signing_secret: Type.Optional(
            Type.Union([Type.String({ minLength: 8, maxLength: 256 }), Type.Null()], { description: 'write-only: verifies x-sinch-webhook-signature on direct-send ingest' }),
          ),
          event_names: Type.Optional(Type.Record(Type.String(), Type.String())),
          quiet_hours: Type.Optional(
            Type.Union(
              [
                Type.Object(
                  {
                    start: Type.String({ maxLength: 5, description: '"HH:MM", 24-hour, local time' }),
                    end: Type.String({ maxLength: 5, description: '"HH:MM"; earlier than start for a window across midnight' }),
                    timezone_attribute: Type.Optional(Type.String({ maxLength: 64, description: 'default "timezone"' })),
                    default_timezone: Type.Optional(Type.String({ maxLength: 64, description: 'IANA zone; default "UTC"' })),
                  },
                  { additionalProperties: false },
                ),
                Type.Null(),
              ],
              { description: 'null removes quiet hours' },
            ),
          ),
          frequency_cap: Type.Optional(Type.Union([FrequencyCap, Type.Null()], { description: 'null removes the cap' })),
          failover: Type.Optional(
            Type.Union(
              [
                Type.Object(
                  { sms: Type.Optional(FailoverList), whatsapp: Type.Optional(FailoverList), rcs: Type.Optional(FailoverList) },
                  { additionalProperties: false },
                ),
                Type.Null(),
              ],
              { description: `${FAILOVER_DESCRIPTION}. A channel given replaces its list ([] removes it), a channel left out keeps its own; null removes every list` },
            ),
          ),
        },
        { additionalProperties: false },
      ),
      response: { 200: Settings, ...errorResponses },
    },
  }, async (req) => {
    requireAdmin(req);
    const { ingest_signing_secret: secret, ...rest } = req.body;
    const sealed = secret === undefined ? undefined : secret === null ? null : hub.box.seal(secret);
    await updateSettings(hub.db, req.params.pid, { ...rest, sealed_ingest_signing_secret: sealed }, async (projectId, id, channel, field) => {
      await hub.integrations.requireForChannel(projectId, id, channel, field);
    });
    return settingsView(await getProject(hub.db, req.params.pid));
  });

  app.post('/projects/:pid/app-key/rotate', {
    schema: { tags: ['projects'], operationId: 'rotateAppKey', summary: 'Rotate the app key', description: 'Admin only. Issues a new app key; the old direct-send ingest URL stops working.', params: ProjectParams, response: { 200: Settings, ...errorResponses } },
  }, async (req) => {
    requireAdmin(req);
    return settingsView(await rotateAppKey(hub.db, req.params.pid));
  });

  const KeyParams = Type.Object({ pid: Type.String(), kid: Type.String() });
  const ApiKey = Type.Object({ id: Type.String(), name: Type.String(), created_at: Type.String(), revoked_at: Type.Union([Type.String(), Type.Null()]) });
  app.post('/projects/:pid/api-keys', {
    schema: {
      tags: ['projects'],
      operationId: 'createApiKey',
      summary: 'Issue a project API key',
      description: 'Admin only. Issues a project API key; the key is shown once.',
      params: ProjectParams,
      body: Type.Object({ name: Name }, { additionalProperties: false }),
      response: { 201: Type.Object({ id: Type.String(), project_id: Type.String(), name: Type.String(), key: Type.String(), created_at: Type.String() }), ...errorResponses },
    },
  }, async (req, reply) => {
    requireAdmin(req);
    await getProject(hub.db, req.params.pid);
    return reply.code(201).send(await createApiKey(hub.db, req.params.pid, req.body.name));
  });

  app.get('/projects/:pid/api-keys', { schema: { tags: ['projects'], operationId: 'listApiKeys', summary: 'List project API keys', params: ProjectParams, response: { 200: Type.Object({ data: Type.Array(ApiKey) }), ...errorResponses } } }, async (req) => {
    requireAdmin(req);
    return { data: await listApiKeys(hub.db, req.params.pid) };
  });

  app.delete('/projects/:pid/api-keys/:kid', { schema: { tags: ['projects'], operationId: 'revokeApiKey', summary: 'Revoke a project API key', params: KeyParams, response: { 204: NoContent, ...errorResponses } } }, async (req, reply) => {
    requireAdmin(req);
    await revokeApiKey(hub.db, req.params.pid, req.params.kid);
    return reply.code(204).send();
  });
};
