import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Hub } from '../../hub.js';
import { createSenderProfile, getSenderProfile, listSenderProfiles, removeSenderProfile, updateSenderProfile } from '../../services/sender-profiles.js';
import type { SenderProfilesTable } from '../../store/schema.js';
import { requireAdmin, requireProject } from './auth.js';
import { Channel, errorResponses, NoContent, ProjectParams } from './schemas.js';

const Params = Type.Object({ pid: Type.String(), sid: Type.String() });
const Fields = {
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  integration_id: Type.Optional(Type.String({ maxLength: 64 })),
  sender: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()], { description: 'number, short code, alphanumeric id, Messaging Service SID (MG…), WhatsApp/RCS sender' })),
  is_default: Type.Optional(Type.Boolean({ description: "the channel's default sender profile" })),
};
const SenderProfile = Type.Object({
  id: Type.String(),
  project_id: Type.String(),
  name: Type.String(),
  channel: Type.String(),
  integration_id: Type.String(),
  sender: Type.Union([Type.String(), Type.Null()]),
  is_default: Type.Boolean(),
  created_at: Type.String(),
  updated_at: Type.String(),
});

export function senderProfileView(p: SenderProfilesTable) {
  return {
    id: p.id,
    project_id: p.project_id,
    name: p.name,
    channel: p.channel,
    integration_id: p.integration_id,
    sender: p.sender,
    is_default: p.is_default === 1,
    created_at: new Date(p.created_at).toISOString(),
    updated_at: new Date(p.updated_at).toISOString(),
  };
}

export const senderProfileRoutes = (hub: Hub): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/projects/:pid/sender-profiles', {
    schema: {
      tags: ['sender profiles'],
      operationId: 'createSenderProfile',
      summary: 'Create a sender profile',
      description: 'Admin only. A channel, an integration and the sender to use on it.',
      params: ProjectParams,
      body: Type.Object({ channel: Channel, ...Fields, integration_id: Type.String({ maxLength: 64 }) }, { additionalProperties: false }),
      response: { 201: SenderProfile, ...errorResponses },
    },
  }, async (req, reply) => {
    requireAdmin(req);
    return reply.code(201).send(senderProfileView(await createSenderProfile(hub, req.params.pid, req.body)));
  });

  app.get('/projects/:pid/sender-profiles', { schema: { tags: ['sender profiles'], operationId: 'listSenderProfiles', summary: 'List sender profiles', params: ProjectParams, response: { 200: Type.Object({ data: Type.Array(SenderProfile) }), ...errorResponses } } }, async (req) => {
    requireProject(req, req.params.pid);
    return { data: (await listSenderProfiles(hub.db, req.params.pid)).map(senderProfileView) };
  });

  app.get('/projects/:pid/sender-profiles/:sid', { schema: { tags: ['sender profiles'], operationId: 'getSenderProfile', summary: 'Get a sender profile', params: Params, response: { 200: SenderProfile, ...errorResponses } } }, async (req) => {
    requireProject(req, req.params.pid);
    return senderProfileView(await getSenderProfile(hub.db, req.params.pid, req.params.sid));
  });

  app.patch('/projects/:pid/sender-profiles/:sid', {
    schema: { tags: ['sender profiles'], operationId: 'updateSenderProfile', summary: 'Update a sender profile', params: Params, body: Type.Object({ ...Fields, channel: Type.Optional(Channel) }, { additionalProperties: false }), response: { 200: SenderProfile, ...errorResponses } },
  }, async (req) => {
    requireAdmin(req);
    return senderProfileView(await updateSenderProfile(hub, req.params.pid, req.params.sid, req.body));
  });

  app.delete('/projects/:pid/sender-profiles/:sid', { schema: { tags: ['sender profiles'], operationId: 'deleteSenderProfile', summary: 'Remove a sender profile', params: Params, response: { 204: NoContent, ...errorResponses } } }, async (req, reply) => {
    requireAdmin(req);
    await removeSenderProfile(hub.db, req.params.pid, req.params.sid);
    return reply.code(204).send();
  });
};
