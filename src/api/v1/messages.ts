import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { invalid } from '../../core/errors.js';
import type { Hub } from '../../hub.js';
import { apiStatus } from '../../messages/status.js';
import { listEvents } from '../../services/events.js';
import { getMessage, sendTransactional, storedContent } from '../../services/messages.js';
import type { MessagesTable } from '../../store/schema.js';
import { requireProject } from './auth.js';
import { AnyObject, ContentFields, ErrorBody, errorResponses, Phone, ProjectParams, RouteFields } from './schemas.js';
import { Event, eventView } from './events.js';

export const Message = Type.Object({
  id: Type.String(),
  project_id: Type.String(),
  integration_id: Type.String(),
  campaign_id: Type.Union([Type.String(), Type.Null()]),
  customer_id: Type.String(),
  message_type: Type.String(),
  channel: Type.String(),
  recipient: Type.String(),
  sender: Type.Union([Type.String(), Type.Null()]),
  sender_profile_id: Type.Union([Type.String(), Type.Null()]),
  body: Type.String(),
  content: Type.Union([AnyObject, Type.Null()]),
  media_urls: Type.Array(Type.String()),
  parts: Type.Integer(),
  encoding: Type.String(),
  status: Type.String(),
  dispatch_state: Type.String(),
  attempts: Type.Integer(),
  provider_message_id: Type.Union([Type.String(), Type.Null()]),
  sent_timestamp: Type.Union([Type.Number(), Type.Null()]),
  expects_delivery_reports: Type.Boolean(),
  possible_duplicate: Type.Boolean({ description: 'the message was sent again while the outcome of an earlier request was unknown (a timeout, a lost connection, a crash), so the provider may have it twice' }),
  last_error: Type.Union([AnyObject, Type.Null()]),
  created_at: Type.String(),
});

export function messageView(m: MessagesTable) {
  return {
    id: m.id,
    project_id: m.project_id,
    integration_id: m.integration_id,
    campaign_id: m.campaign_id,
    customer_id: m.customer_id,
    message_type: m.message_type,
    channel: m.channel,
    recipient: m.recipient,
    sender: m.sender,
    sender_profile_id: m.sender_profile_id,
    body: m.body,
    ...storedContent(m),
    parts: m.parts,
    encoding: m.encoding,
    status: apiStatus(m.status, m.channel),
    dispatch_state: m.dispatch_state,
    attempts: m.attempts,
    provider_message_id: m.provider_message_id,
    sent_timestamp: m.sent_at_us === null ? null : m.sent_at_us / 1e6,
    expects_delivery_reports: m.expects_reports === 1,
    possible_duplicate: m.possible_duplicate === 1,
    last_error: m.last_error ? (JSON.parse(m.last_error) as Record<string, unknown>) : null,
    created_at: new Date(m.created_at).toISOString(),
  };
}

export const messageRoutes = (hub: Hub): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/projects/:pid/messages', {
    schema: {
      tags: ['messages'],
      description:
        'Transactional send to a customer (customer_id) or a phone number. Answers 202 once the message is durably queued. ' +
        'An Idempotency-Key header makes retries of the same request return the first message.',
      params: ProjectParams,
      headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) }),
      body: Type.Object(
        {
          customer_id: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
          phone: Type.Optional(Phone),
          ...ContentFields,
          ...RouteFields,
        },
        { additionalProperties: false },
      ),
      response: { 200: Message, 202: Message, ...errorResponses, 422: ErrorBody },
    },
  }, async (req, reply) => {
    requireProject(req, req.params.pid);
    const key = req.headers['idempotency-key'] ?? null;
    if (Array.isArray(key)) throw invalid('invalid_request', 'send one Idempotency-Key header', 'idempotency-key');
    const { message, replayed } = await sendTransactional(hub.messaging, req.params.pid, req.body, key);
    return reply.code(replayed ? 200 : 202).send(messageView(message));
  });

  const Params = Type.Object({ pid: Type.String(), mid: Type.String() });
  app.get('/projects/:pid/messages/:mid', {
    schema: {
      tags: ['messages'],
      params: Params,
      response: { 200: Type.Intersect([Message, Type.Object({ events: Type.Array(Event) })]), ...errorResponses },
    },
  }, async (req) => {
    requireProject(req, req.params.pid);
    const m = await getMessage(hub.db, req.params.pid, req.params.mid);
    const events = await listEvents(hub.db, req.params.pid, { message_id: m.id, limit: 100 });
    return { ...messageView(m), events: events.items.map((e) => eventView(e)) };
  });
};
