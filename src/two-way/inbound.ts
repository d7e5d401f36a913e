// Two-way messaging, as callbacks bring it: a customer's inbound message becomes an
// `incoming_message` event, a keyword in it changes consent and queues the keyword's reply,
// and a provider's own opt-out notice changes consent.
import { incomingEventProperties } from '../core/events.js';
import { eventName } from '../core/events.js';
import { matchKeyword } from '../core/keywords.js';
import type { ConsentUpdate, InboundMessage } from '../providers/types.js';
import type { BatchContext } from '../callbacks/batch.js';
import { setConsent } from '../services/consent.js';
import { customerByPhone } from '../services/customers.js';
import { recordEvent } from '../services/events.js';
import { composeMessage, messageRow } from '../services/messages.js';
import { keywordsFor, type ProjectSettings } from '../services/projects.js';
import * as messageStore from '../store/messages.js';
import type { UpdateOutcome } from '../store/callbacks.js';
import type { CustomersTable } from '../store/schema.js';

/** Where a callback came from. */
export interface InboundOrigin {
  projectId: string;
  integrationId: string;
  receivedAt: number;
}

export async function applyInbound(ctx: BatchContext, origin: InboundOrigin & { bodyHash: string }, u: InboundMessage): Promise<UpdateOutcome> {
  const customer = await customerByPhone(ctx.trx, origin.projectId, u.from, 'inbound');
  const settings = await ctx.settings(origin.projectId);
  const inserted = await recordEvent(ctx.trx, {
    project_id: origin.projectId,
    customer_ref: customer.id,
    customer_id: customer.customer_id,
    name: eventName(settings, u.channel),
    status: 'incoming_message',
    timestamp: (u.occurredAt ?? new Date(origin.receivedAt)).getTime(),
    properties: incomingEventProperties({
      channel: u.channel,
      from: u.from,
      to: u.to,
      text: u.text,
      media: u.media,
      integration_id: origin.integrationId,
      provider_message_id: u.providerMessageId,
      sent_at_ms: u.occurredAt?.getTime() ?? null,
    }),
    message_id: null,
    campaign_id: null,
    dedup_key: `in:${origin.integrationId}:${u.providerMessageId ?? origin.bodyHash}`,
  });
  if (!inserted) return 'duplicate';
  await applyKeyword(ctx, origin, u, customer, settings);
  return 'applied';
}

export async function applyConsentUpdate(ctx: BatchContext, origin: InboundOrigin, u: ConsentUpdate): Promise<UpdateOutcome> {
  const customer = await customerByPhone(ctx.trx, origin.projectId, u.phone, 'inbound');
  await setConsent(
    ctx.trx,
    { projectId: origin.projectId, customerRef: customer.id, channel: u.channel, optedOut: u.optedOut, source: 'provider_notification', detail: origin.integrationId },
    u.occurredAt?.getTime() ?? origin.receivedAt,
  );
  if (u.optedOut) ctx.afterCommit(() => ctx.hooks.optedOut(customer.id, u.channel));
  return 'applied';
}

/**
 * Acts on a keyword: consent for the compliance ones, and the reply, queued as a transactional
 * message through the integration and to/from the numbers the message came in on.
 */
async function applyKeyword(ctx: BatchContext, origin: InboundOrigin, u: InboundMessage, customer: CustomersTable, settings: ProjectSettings): Promise<void> {
  const match = matchKeyword(keywordsFor(settings, u.channel), u.text);
  if (!match) return;
  if (match.action === 'opt_out' || match.action === 'opt_in') {
    const optedOut = match.action === 'opt_out';
    await setConsent(ctx.trx, { projectId: origin.projectId, customerRef: customer.id, channel: u.channel, optedOut, source: 'keyword', detail: match.keyword });
    if (optedOut) ctx.afterCommit(() => ctx.hooks.optedOut(customer.id, u.channel));
  }
  if (!match.reply) return;
  const integration = await ctx.integrations.runtime(origin.integrationId, ctx.trx);
  const channel = u.channel === 'mms' ? 'sms' : u.channel;
  if (!integration || !integration.adapter.channels.includes(channel)) return;
  const row = messageRow(
    {
      projectId: origin.projectId,
      via: { integration, sender: u.to || null, senderProfileId: null },
      campaignId: null,
      customerRef: customer.id,
      customerId: customer.customer_id,
      recipient: u.from,
      composed: composeMessage({ channel, body: match.reply }),
      idempotencyKey: null,
      autoReply: true,
    },
    Date.now(),
  );
  await messageStore.insert(ctx.trx, row);
  ctx.afterCommit(() => ctx.hooks.queued(integration.id));
}
