// Two-way messaging: consent, keyword auto-responses and the conversation with a customer.
import { Type, type FastifyPluginAsyncTypebox, type Static } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { sameKeywordGroup, type KeywordConfig } from '../../core/keywords.js';
import type { Hub } from '../../hub.js';
import { channelsOfConsent, consentOf, setConsent, type CustomerConsent } from '../../services/consent.js';
import { conversationOf } from '../../services/conversation.js';
import { getCustomer } from '../../services/customers.js';
import { getProject, keywordsFor, patchKeywords, setKeywords, settingsOf } from '../../services/projects.js';
import { inTransaction } from '../../store/db.js';
import { forbidden } from '../errors.js';
import { principalOf, requireProject } from './auth.js';
import { Channel, errorResponses } from './schemas.js';

const CustomerParams = Type.Object({ pid: Type.String(), customer_id: Type.String({ minLength: 1, maxLength: 256 }) });
const KeywordChannel = Type.Union([Type.Literal('sms'), Type.Literal('whatsapp'), Type.Literal('rcs')]);
const Keyword = Type.String({ minLength: 1, maxLength: 64 });
const Group = Type.Object({ keywords: Type.Array(Keyword, { maxItems: 50 }), reply: Type.String({ maxLength: 1600, description: 'empty for no reply' }) }, { additionalProperties: false });
const GroupPatch = Type.Partial(Group, { additionalProperties: false });
const KeywordsPatch = Type.Object(
  {
    opt_out: Type.Optional(GroupPatch),
    opt_in: Type.Optional(GroupPatch),
    help: Type.Optional(GroupPatch),
    custom: Type.Optional(Type.Array(Type.Object({ keyword: Keyword, reply: Type.String({ minLength: 1, maxLength: 1600 }) }, { additionalProperties: false }), { maxItems: 200, description: 'replaces the list' })),
  },
  { additionalProperties: false, minProperties: 1 },
);
const Keywords = Type.Object(
  {
    opt_out: Group,
    opt_in: Group,
    help: Group,
    custom: Type.Array(Type.Object({ keyword: Keyword, reply: Type.String({ minLength: 1, maxLength: 1600 }) }, { additionalProperties: false }), { maxItems: 200 }),
  },
  { additionalProperties: false },
);

const Consent = Type.Object({
  channels: Type.Record(Type.String(), Type.Object({ opted_out: Type.Boolean(), updated_at: Type.String() }), { description: 'per channel; SMS and MMS share "sms"' }),
  history: Type.Array(
    Type.Object({ channel: Type.String(), action: Type.String(), source: Type.String(), detail: Type.Union([Type.String(), Type.Null()]), at: Type.String() }),
    { description: 'every opt-out and opt-in, oldest first' },
  ),
});

const ConversationEntry = Type.Object({
  direction: Type.Union([Type.Literal('outbound'), Type.Literal('inbound')]),
  channel: Type.String(),
  at: Type.String(),
  text: Type.String(),
  message_id: Type.Optional(Type.String({ description: 'outbound: the message' })),
  status: Type.Optional(Type.String({ description: 'outbound: its current status' })),
  auto_reply: Type.Optional(Type.Boolean({ description: 'outbound: sent by a keyword rule' })),
  media: Type.Optional(Type.Unknown({ description: 'inbound: the media the customer sent' })),
});

/**
 * Opt-out handling is compliance: a project key may change the other keyword rules, but only the
 * admin key may change which keywords opt a customer out, or the confirmation they get.
 */
function optOutNeedsAdmin(req: FastifyRequest): (current: KeywordConfig, next: KeywordConfig) => void {
  return (current, next) => {
    if (principalOf(req).role !== 'admin' && !sameKeywordGroup(current.opt_out, next.opt_out)) {
      throw forbidden('changing the opt-out keywords or their reply needs the admin API key');
    }
  };
}

export function consentView(c: CustomerConsent): Static<typeof Consent> {
  return {
    channels: Object.fromEntries(c.channels.map((s) => [s.channel, { opted_out: s.opted_out === 1, updated_at: new Date(s.updated_at).toISOString() }])),
    history: c.history.map((l) => ({ channel: l.channel, action: l.action, source: l.source, detail: l.detail, at: new Date(l.created_at).toISOString() })),
  };
}

export const twoWayRoutes = (hub: Hub): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/projects/:pid/customers/:customer_id/consent', {
    schema: {
      tags: ['two-way'],
      operationId: 'getConsent',
      summary: "Get a customer's consent",
      description: 'Consent per channel, with the audit trail of every opt-out and opt-in.',
      params: CustomerParams,
      response: { 200: Consent, ...errorResponses },
    },
  }, async (req) => {
    requireProject(req, req.params.pid);
    const c = await getCustomer(hub.db, req.params.pid, req.params.customer_id);
    return consentView(await consentOf(hub.db, c.id));
  });

  app.post('/projects/:pid/customers/:customer_id/consent', {
    schema: {
      tags: ['two-way'],
      operationId: 'setConsent',
      summary: 'Opt a customer out or in',
      description: 'Opts a customer out of a channel (cancelling what is queued for them) or back in. SMS and MMS share one consent.',
      params: CustomerParams,
      body: Type.Object({ channel: Channel, opted_out: Type.Boolean(), note: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }),
      response: { 200: Consent, ...errorResponses },
    },
  }, async (req) => {
    requireProject(req, req.params.pid);
    const c = await getCustomer(hub.db, req.params.pid, req.params.customer_id);
    const { channel, opted_out: optedOut, note } = req.body;
    await inTransaction(hub.db, (trx) => setConsent(trx, { projectId: req.params.pid, customerRef: c.id, channel, optedOut, source: 'api', detail: note ?? null }));
    if (optedOut) await hub.dispatcher.dropCustomer(c.id, channelsOfConsent(channel));
    return consentView(await consentOf(hub.db, c.id));
  });

  app.get('/projects/:pid/customers/:customer_id/conversation', {
    schema: {
      tags: ['two-way'],
      operationId: 'getConversation',
      summary: 'Get the conversation with a customer',
      description: 'Inbound and outbound messages with the customer, oldest first, with the status of each outbound one.',
      params: CustomerParams,
      querystring: Type.Object({ channel: Type.Optional(Channel), limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' })) }),
      response: { 200: Type.Object({ data: Type.Array(ConversationEntry) }), ...errorResponses },
    },
  }, async (req) => {
    requireProject(req, req.params.pid);
    const c = await getCustomer(hub.db, req.params.pid, req.params.customer_id);
    return { data: await conversationOf(hub.db, c.id, req.query.channel, Math.min(1000, Number(req.query.limit ?? 200))) };
  });

  app.get('/projects/:pid/keywords', {
    schema: { tags: ['two-way'], operationId: 'getKeywords', summary: 'Get the keyword rules', description: 'The keyword auto-responses in force per channel.', params: Type.Object({ pid: Type.String() }), response: { 200: Type.Object({ sms: Keywords, whatsapp: Keywords, rcs: Keywords }), ...errorResponses } },
  }, async (req) => {
    requireProject(req, req.params.pid);
    const settings = settingsOf(await getProject(hub.db, req.params.pid));
    return { sms: keywordsFor(settings, 'sms'), whatsapp: keywordsFor(settings, 'whatsapp'), rcs: keywordsFor(settings, 'rcs') };
  });

  const ChannelParams = Type.Object({ pid: Type.String(), channel: KeywordChannel });
  app.put('/projects/:pid/keywords/:channel', {
    schema: {
      tags: ['two-way'],
      operationId: 'setKeywords',
      summary: "Replace a channel's keyword rules",
      description: 'Replaces the keyword rules of a channel. A keyword matches the whole trimmed message, folding case, width and accents (Arrêt matches ARRET).',
      params: ChannelParams,
      body: Keywords,
      response: { 200: Keywords, ...errorResponses },
    },
  }, async (req) => {
    requireProject(req, req.params.pid);
    const settings = await setKeywords(hub.db, req.params.pid, req.params.channel, req.body, optOutNeedsAdmin(req));
    return keywordsFor(settings, req.params.channel);
  });

  app.get('/projects/:pid/keywords/:channel', {
    schema: {
      tags: ['two-way'],
      operationId: 'getChannelKeywords',
      summary: "Get one channel's keyword rules",
      params: ChannelParams,
      response: { 200: Keywords, ...errorResponses },
    },
  }, async (req) => {
    requireProject(req, req.params.pid);
    return keywordsFor(settingsOf(await getProject(hub.db, req.params.pid)), req.params.channel);
  });

  app.patch('/projects/:pid/keywords/:channel', {
    schema: {
      tags: ['two-way'],
      operationId: 'patchKeywords',
      summary: "Change part of a channel's keyword rules",
      description:
        'Changes only what the body names: a group (opt_out, opt_in, help) field by field, `custom` as a whole list. ' +
        'Changing the opt-out keywords or reply needs the admin key, and they can never be emptied.',
      params: ChannelParams,
      body: KeywordsPatch,
      response: { 200: Keywords, ...errorResponses },
    },
  }, async (req) => {
    requireProject(req, req.params.pid);
    const settings = await patchKeywords(hub.db, req.params.pid, req.params.channel, req.body, optOutNeedsAdmin(req));
    return keywordsFor(settings, req.params.channel);
  });

  app.delete('/projects/:pid/keywords/:channel', {
    schema: { tags: ['two-way'], operationId: 'resetKeywords', summary: "Restore a channel's default keyword rules", description: 'Back to the default keyword rules.', params: ChannelParams, response: { 200: Keywords, ...errorResponses } },
  }, async (req) => {
    requireProject(req, req.params.pid);
    return keywordsFor(await setKeywords(hub.db, req.params.pid, req.params.channel, null, optOutNeedsAdmin(req)), req.params.channel);
  });
};
