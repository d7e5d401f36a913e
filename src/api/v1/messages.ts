import { Type, type FastifyPluginAsyncTypebox, type Static } from '@fastify/type-provider-typebox';
import { invalid } from '../../core/errors.js';
import type { Hub } from '../../hub.js';
import { parsePlan } from '../../messages/fallback.js';
import { API_MESSAGE_STATUSES, apiStatus } from '../../messages/status.js';
import { listEvents } from '../../services/events.js';
import { listAttempts } from '../../services/message-attempts.js';
import { getMessage, listMessages, sendTransactional, storedContent, type MessageListQuery } from '../../services/messages.js';
import type { MessagesTable } from '../../store/schema.js';
import { requireProject } from './auth.js';
import { AnyObject, Channel, ContentFields, FallbackChannel, errorResponse, errorResponses, Page, PageQuery, pageLimit, pageView, Phone, ProjectParams, RouteFields, SendAt } from './schemas.js';
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
  last_error: Type.Union([AnyObject, Type.Null()], { description: 'the last failed attempt; for a cancelled message, why: {"reason": "campaign_cancelled" | "opted_out" | "integration_deleted"}' }),
  next_attempt_at: Type.Union([Type.String(), Type.Null()], {
    description: 'while it waits (dispatch_state queued or paused): when it is due to go out (its send_at, the end of quiet hours, a retry); else null',
  }),
  fallback_of: Type.Union([Type.String(), Type.Null()], { description: 'the message this one falls back from (docs/fallback.md); null for a first message' }),
  fallback_message_id: Type.Union([Type.String(), Type.Null()], { description: 'the message sent on the next channel because the recipient was not reachable on this one, or null' }),
  fallback_channels: Type.Array(Type.String(), { description: 'the channels still to try, in order, if the recipient is not reachable on this one' }),
  fallback_skipped: Type.Array(Type.Object({ channel: Type.String(), reason: Type.String() }), { description: 'fallback channels passed over, and why (opted_out)' }),
  created_at: Type.String(),
});

/** One send attempt, or a failover move (docs/failover.md). */
const SendAttempt = Type.Object({
  integration_id: Type.String({ description: 'the integration the attempt went through; for rerouted, the one the message left' }),
  at: Type.String({ description: 'when the request went out, or when the message moved' }),
  outcome: Type.Union(['accepted', 'retry', 'refused', 'unknown', 'rerouted'].map((o) => Type.Literal(o)), {
    description: 'what came of it: unknown when no answer came (the provider may have it); rerouted when the message moved to the next integration of its channel\'s failover order',
  }),
  status_code: Type.Union([Type.Integer(), Type.Null()], { description: "the provider's HTTP status; null without an answer" }),
  error: Type.Union([Type.String(), Type.Null()], { description: "the provider's error code, a network failure, or circuit_open for a move" }),
});

/** The fallback channels of a send or campaign (docs/fallback.md). */
export const FallbackChannelList = Type.Array(
      Type.Union([
        FallbackChannel,
        Type.Object(
          {
            channel: FallbackChannel,
            integration_id: Type.Optional(Type.String({ maxLength: 64 })),
            sender_profile_id: Type.Optional(Type.String({ maxLength: 64 })),
          },
          { additionalProperties: false },
        ),
      ]),
      {
        maxItems: 3,
        description:
          'channels to try in order when the recipient is not reachable on the message\'s channel (not on WhatsApp, no RCS, outside the WhatsApp window): ' +
          'each a channel (its project default integration) or {channel, integration_id | sender_profile_id}; each different from the message\'s channel and the others',
      },
    );

/** How a send names its fallbacks (docs/fallback.md). */
export const FallbackFields = {
  fallback_channels: Type.Optional(FallbackChannelList),
  fallback_body: Type.Optional(Type.String({ maxLength: 10000, description: 'the text the fallbacks send; default: the message\'s text as rendered. Needed when the message has no text (a WhatsApp template, media)' })),
};

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
    next_attempt_at: m.dispatch_state === 'queued' || m.dispatch_state === 'paused' ? new Date(m.next_attempt_at).toISOString() : null,
    fallback_of: m.fallback_of,
    fallback_message_id: m.fallback_message_id,
    fallback_channels: parsePlan(m.fallback_plan)?.steps.map((st) => st.channel) ?? [],
    fallback_skipped: m.fallback_skipped ? (JSON.parse(m.fallback_skipped) as { channel: string; reason: string }[]) : [],
    created_at: new Date(m.created_at).toISOString(),
  };
}

/** The filters of the message list, shared by its export. */
export const MessageFilters = {
  status: Type.Optional(Type.Union(API_MESSAGE_STATUSES.map((s) => Type.Literal(s)), { description: 'the status as the message shows it' })),
  dispatch_state: Type.Optional(Type.Union(['queued', 'paused', 'sending', 'done', 'cancelled'].map((s) => Type.Literal(s)))),
  channel: Type.Optional(Channel),
  integration_id: Type.Optional(Type.String({ maxLength: 64 })),
  campaign_id: Type.Optional(Type.String({ maxLength: 64 })),
  customer_id: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  recipient: Type.Optional(Phone),
  created_from: Type.Optional(Type.String({ maxLength: 40, description: 'ISO 8601 date-time, inclusive' })),
  created_to: Type.Optional(Type.String({ maxLength: 40, description: 'ISO 8601 date-time, exclusive' })),
  possible_duplicate: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
};

export function messageFilter(q: { [K in keyof typeof MessageFilters]?: Static<(typeof MessageFilters)[K]> }): Omit<MessageListQuery, 'cursor' | 'limit'> {
  return {
    status: q.status,
    dispatch_state: q.dispatch_state as MessagesTable['dispatch_state'] | undefined,
    channel: q.channel,
    integration_id: q.integration_id,
    campaign_id: q.campaign_id,
    customer_id: q.customer_id,
    recipient: q.recipient,
    created_from: timeParam(q.created_from, 'created_from'),
    created_to: timeParam(q.created_to, 'created_to'),
    possible_duplicate: q.possible_duplicate === undefined ? undefined : q.possible_duplicate === 'true',
  };
}

export const messageRoutes = (hub: Hub): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/projects/:pid/messages', {
    schema: {
      tags: ['messages'],
      operationId: 'sendMessage',
      summary: 'Send a message',
      description:
        'Transactional send to a customer (customer_id) or a phone number. Answers 202 once the message is durably queued. ' +
        'An Idempotency-Key header makes retries of the same request return the first message. ' +
        'With send_at the message is queued now and sent from then on (quiet hours do not apply to transactional messages; docs/scheduling.md). ' +
        'With fallback_channels, a recipient not reachable on the channel (not on WhatsApp, no RCS, outside the WhatsApp window) gets the text on the next channel, as a message of its own (docs/fallback.md).',
      params: ProjectParams,
      headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) }),
      body: Type.Object(
        {
          customer_id: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
          phone: Type.Optional(Phone),
          ...ContentFields,
          template: Type.Optional(Type.String({ maxLength: 10000, description: 'a Liquid template for the text, instead of body: `{{ customer.first_name }}`, `{{ data.code }}` (see docs/personalisation.md)' })),
          data: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'variables for template, as `data.…`' })),
          send_at: Type.Optional(SendAt),
          ...RouteFields,
          ...FallbackFields,
        },
        { additionalProperties: false },
      ),
      response: { 200: Message, 202: Message, ...errorResponses, 422: errorResponse('the Idempotency-Key was used for a different request') },
    },
  }, async (req, reply) => {
    requireProject(req, req.params.pid);
    const key = req.headers['idempotency-key'] ?? null;
    if (Array.isArray(key)) throw invalid('invalid_request', 'send one Idempotency-Key header', 'idempotency-key');
    const { message, replayed } = await sendTransactional(hub.messaging, req.params.pid, req.body, key);
    return reply.code(replayed ? 200 : 202).send(messageView(message));
  });

  app.get('/projects/:pid/messages', {
    schema: {
      tags: ['messages'],
      operationId: 'listMessages',
      summary: 'List messages',
      description:
        'The message log, newest first, with filters and cursor pagination: each message as GET …/messages/{mid} shows it, without its events. ' +
        'Messages retrying after a provider error are `status=queued` with `dispatch_state=queued` and their `last_error`.',
      params: ProjectParams,
      querystring: Type.Object({ ...PageQuery, ...MessageFilters }),
      response: { 200: Page(Message), ...errorResponses },
    },
  }, async (req) => {
    requireProject(req, req.params.pid);
    const q = req.query;
    if (q.cursor !== undefined && !MESSAGE_CURSOR.test(q.cursor)) throw invalid('invalid_request', 'cursor must be the next_cursor of a previous page', 'cursor');
    const page = await listMessages(hub.db, req.params.pid, { ...messageFilter(q), cursor: q.cursor, limit: pageLimit(q.limit) });
    return pageView(page, messageView);
  });

  const Params = Type.Object({ pid: Type.String(), mid: Type.String() });
  app.get('/projects/:pid/messages/:mid', {
    schema: {
      tags: ['messages'],
      operationId: 'getMessage',
      summary: 'Get a message with its events and send attempts',
      params: Params,
      response: {
        200: Type.Intersect([
          Message,
          Type.Object({
            events: Type.Array(Event),
            send_attempts: Type.Array(SendAttempt, { description: 'each send attempt with its integration, and each failover move, oldest first (docs/failover.md)' }),
          }),
        ]),
        ...errorResponses,
      },
    },
  }, async (req) => {
    requireProject(req, req.params.pid);
    const m = await getMessage(hub.db, req.params.pid, req.params.mid);
    const events = await listEvents(hub.db, req.params.pid, { message_id: m.id, limit: 100 });
    return { ...messageView(m), events: events.items.map((e) => eventView(e)), send_attempts: await listAttempts(hub.db, m.id) };
  });
};

/** Message ids are time-ordered, so the last id of a page is where the next one starts. */
const MESSAGE_CURSOR = /^msg_[0-9a-z]{26}$/;

/** An ISO 8601 date-time query parameter, in ms. */
export function timeParam(raw: string | undefined, field: string): number | undefined {
  if (raw === undefined) return undefined;
  // Date.parse accepts many shapes; a date-time must at least start with a full date.
  const ms = /^\d{4}-\d{2}-\d{2}/.test(raw) ? Date.parse(raw) : NaN;
  if (Number.isNaN(ms)) throw invalid('invalid_request', `${field} must be an ISO 8601 date-time, e.g. 2026-12-04T10:00:00Z`, field);
  return ms;
}
