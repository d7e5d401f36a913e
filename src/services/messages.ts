// Accepting outbound messages: validation, integration resolution, part counting, and one
// durable insert. The API answers only after that insert has committed.
import { conflict, DomainError, invalid, notFound, unprocessable } from '../core/errors.js';
import { requestFingerprint } from '../core/fingerprint.js';
import { newId } from '../core/ids.js';
import { COUNTRIES_WITHOUT_DELIVERY_REPORTS, expectsDeliveryReports } from '../core/phone.js';
import type { MessageContent } from '../core/content.js';
import { countSegments } from '../core/segments.js';
import { parseSendAt } from '../core/send-at.js';
import type { Channel } from '../core/status.js';
import type { DB } from '../store/db.js';
import * as messageStore from '../store/messages.js';
import type { MessagesTable } from '../store/schema.js';
import type { Logger } from '../logger.js';
import { storedStatusFilter, type ApiMessageStatus } from '../messages/status.js';
import { FALLBACK_CHANNELS, type FallbackPlan, type FallbackStep } from '../messages/fallback.js';
import type { GroupCommit } from '../store/group-commit.js';
import { isOptedOut } from './consent.js';
import { pageOf, type ListPage } from './paging.js';
import { planTrackedLinks, storeTrackedLinks, tracksLinks } from './links.js';
import { customerByPhone, findCustomer, getCustomer, normalizePhoneInput, parsePhoneInput } from './customers.js';
import type { IntegrationRegistry, IntegrationRuntime } from './integration-registry.js';
import { DEFAULT_FIELD, getProject, getRecentProject, settingsOf, type ProjectSettings } from './projects.js';
import { checkSender, defaultSenderProfile, senderProfileForSend } from './sender-profiles.js';
import { contentTemplates, personalise, profileVariables, type ContentTemplates } from './personalisation.js';

/** Bodies longer than this are refused before they reach a provider (Sinch and Twilio: 1600). */
export const MAX_BODY_CHARS = 1600;

export interface QueueSignal {
  /** New work is queued for this integration. */
  notify(integrationId: string): void;
  /**
   * A place with this process's sender for one message about to be queued, when it can send
   * it next: the message is stored as claimed by `claimedBy` and handed over in memory, so it
   * needs no claim (a write and a flush before its send). Null when the sender has older work.
   */
  handoff?(integrationId: string): Handoff | null;
  /**
   * The campaign was paused or cancelled: senders give back what of it they claimed and have
   * not sent (parked as `paused`, or cancelled), and take no more of it in. Returns how many.
   */
  holdCampaign?(campaignId: string, how: 'paused' | 'cancelled'): Promise<number>;
  /** The campaign was resumed: its messages may be sent again. */
  releaseCampaign?(campaignId: string): void;
}

/** See QueueSignal.handoff; exactly one of deliver or cancel is called. */
export interface Handoff {
  readonly claimedBy: string;
  /** The message is durably stored, claimed as agreed: send it. */
  deliver(message: MessagesTable): void;
  /** Nothing was stored. */
  cancel(): void;
}

/** What a send or a campaign says about its content. */
export interface ContentInput {
  channel?: Channel;
  body?: string;
  media_urls?: string[];
  content?: MessageContent;
}

export interface SendInput extends ContentInput {
  customer_id?: string;
  phone?: string;
  /** Shorten and track links; default: the project setting. */
  track_links?: boolean;
  integration_id?: string;
  sender_profile_id?: string;
  sender?: string;
  /** A Liquid template for the text, instead of body: rendered against the customer and data. */
  template?: string;
  /** Variables for the template, as `data.…`. */
  data?: Record<string, unknown>;
  /** ISO 8601 with an offset: queued now, sent from then on (docs/scheduling.md). */
  send_at?: string;
  /** Channels to try, in order, when the recipient is not reachable on this one (docs/fallback.md). */
  fallback_channels?: FallbackChannelInput[];
  /** The text the fallbacks send; default: the message's own text, as rendered. */
  fallback_body?: string;
}

/** A fallback channel, alone (its project default) or with the integration or sender profile to use. */
export type FallbackChannelInput = Channel | { channel: Channel; integration_id?: string; sender_profile_id?: string };

/**
 * Checks the fallback channels of a send and resolves each one's integration now, so a fallback
 * that could never go out is refused with the request rather than found out at failure time.
 * Returns the steps; the plan's text is added once the message's text is final.
 */
export async function resolveFallbacks(
  db: DB,
  integrations: IntegrationRegistry,
  projectId: string,
  composed: Composed,
  input: Pick<SendInput, 'fallback_channels' | 'fallback_body'>,
  settings: ProjectSettings,
): Promise<FallbackStep[] | null> {
  const list = input.fallback_channels ?? [];
  if (list.length === 0) {
    if (input.fallback_body !== undefined) throw invalid('invalid_request', 'fallback_body is for fallback_channels', 'fallback_body');
    return null;
  }
  if (input.fallback_body !== undefined) checkBody(input.fallback_body, 'fallback_body');
  // The fallbacks carry text: a message with none (a WhatsApp template, media only) names it.
  else if (fallbackText(composed) === null) {
    throw invalid('invalid_request', `a ${composed.channel} message without text needs fallback_body: the text its fallback channels send`, 'fallback_body');
  }
  const seen = new Set<Channel>([composed.channel]);
  const steps: FallbackStep[] = [];
  for (const [i, entry] of list.entries()) {
    const field = `fallback_channels[${i}]`;
    const named = typeof entry === 'string' ? { channel: entry } : entry;
    if (!(FALLBACK_CHANNELS as readonly string[]).includes(named.channel)) throw invalid('invalid_request', `${field} must be one of ${FALLBACK_CHANNELS.join(', ')}: a fallback sends text`, field);
    if (named.channel === composed.channel) throw invalid('invalid_request', `${field} is the message's own channel`, field);
    if (seen.has(named.channel)) throw invalid('invalid_request', `${field} names ${named.channel} twice`, field);
    seen.add(named.channel);
    let via: SenderChoice;
    try {
      via = await route(db, integrations, projectId, named.channel, { integration_id: named.integration_id ?? null, sender_profile_id: named.sender_profile_id ?? null }, settings);
    } catch (err) {
      // Named for the entry at fault, so the caller knows which fallback cannot be sent.
      if (err instanceof DomainError) throw new DomainError(err.kind, err.code, `${field}: ${err.message}`, err.field === 'integration_id' || err.field === 'sender_profile_id' ? (typeof entry === 'string' ? field : `${field}.${err.field}`) : field);
      throw err;
    }
    steps.push({ channel: named.channel, integration_id: via.integration.id, sender: via.sender, sender_profile_id: via.senderProfileId, retry_deadline_seconds: via.integration.retryDeadlineSeconds });
  }
  return steps;
}

/** The text a message's fallbacks send by default: its own text, or null when it has none. */
export function fallbackText(c: Composed): string | null {
  if (c.content && c.content.type !== 'text') return null;
  return c.body.trim().length > 0 ? c.body : null;
}

export const MAX_MEDIA = 10;

export function checkBody(body: string, field = 'body'): void {
  if (body.trim().length === 0) throw invalid('invalid_request', `${field} must not be empty`, field);
  if (body.length > MAX_BODY_CHARS) throw invalid('invalid_request', `${field} is longer than ${MAX_BODY_CHARS} characters`, field);
}

/** The content and MMS media a message or campaign row stores as JSON. */
export function storedContent(row: { content: string | null; media: string | null }): { content: MessageContent | null; media_urls: string[] } {
  return {
    content: row.content ? (JSON.parse(row.content) as MessageContent) : null,
    media_urls: row.media ? (JSON.parse(row.media) as string[]) : [],
  };
}

export interface Composed {
  channel: Channel;
  body: string;
  content: MessageContent | null;
  media: string[];
  parts: number;
  encoding: string;
}

/** Checks that the content fits the channel, and counts its parts. */
export function composeMessage(input: ContentInput): Composed {
  const channel = input.channel ?? 'sms';
  const media = input.media_urls ?? [];
  const body = input.body ?? '';
  if (channel === 'sms' || channel === 'mms') {
    if (input.content) throw invalid('invalid_request', `content is for WhatsApp and RCS; ${channel} takes body${channel === 'mms' ? ' and media_urls' : ''}`, 'content');
    if (channel === 'sms' && media.length > 0) throw invalid('invalid_request', 'media_urls needs channel "mms"', 'media_urls');
    if (media.length > MAX_MEDIA) throw invalid('invalid_request', `media_urls holds at most ${MAX_MEDIA} URLs`, 'media_urls');
    media.forEach((url, i) => {
      if (!/^https?:\/\/[^\s]+$/i.test(url)) throw invalid('invalid_request', `media_urls[${i}] must be an http(s) URL`, `media_urls[${i}]`);
    });
    if (channel === 'sms' || media.length === 0 || body.length > 0) checkBody(body);
    const segments = countSegments(body);
    // An MMS is one message whatever its length; an SMS is billed by parts.
    return { channel, body, content: null, media, parts: channel === 'mms' ? 1 : segments.parts, encoding: segments.encoding };
  }
  if (media.length > 0) throw invalid('invalid_request', `media_urls is for MMS; send a media content on ${channel}`, 'media_urls');
  if (input.content && input.body !== undefined) throw invalid('invalid_request', 'give either body or content, not both', 'body');
  const content: MessageContent | null = input.content ?? (input.body !== undefined ? { type: 'text', text: input.body } : null);
  if (!content) throw invalid('invalid_request', `${channel} needs content (or body for a text message)`, 'content');
  if (content.type === 'text') checkBody(content.text, input.content ? 'content.text' : 'body');
  return { channel, body: content.type === 'text' ? content.text : '', content, media: [], parts: 1, encoding: '' };
}

/** The integration a message goes out through, and the sender (number, short code, id) on it. */
export interface SenderChoice {
  integration: IntegrationRuntime;
  sender: string | null;
  senderProfileId: string | null;
}

/**
 * Where a message goes: a named sender profile, a named integration, the channel's default
 * sender profile, or the project's default integration for the channel, in that order.
 */
export async function chooseSender(...args: Parameters<typeof route>): Promise<SenderChoice> {
  const choice = await route(...args);
  const [, , , channel, named] = args;
  // A profile's own sender was checked when the profile was written; one named here is new.
  if (named.sender) checkSender(choice.integration, channel, named.sender, 'sender');
  return choice;
}

async function route(
  db: DB,
  integrations: IntegrationRegistry,
  projectId: string,
  channel: Channel,
  named: { integration_id?: string | null; sender_profile_id?: string | null; sender?: string | null },
  /** The project's settings, when the caller has read them already. */
  known?: ProjectSettings,
): Promise<SenderChoice> {
  if (named.sender_profile_id) {
    const p = await senderProfileForSend(db, projectId, named.sender_profile_id, channel);
    const integration = await integrations.requireForChannel(projectId, p.integration_id, channel, 'sender_profile_id');
    return { integration, sender: named.sender ?? p.sender, senderProfileId: p.id };
  }
  if (named.integration_id) {
    return { integration: await integrations.requireForChannel(projectId, named.integration_id, channel), sender: named.sender ?? null, senderProfileId: null };
  }
  const profile = await defaultSenderProfile(db, projectId, channel);
  if (profile) {
    const integration = await integrations.requireForChannel(projectId, profile.integration_id, channel, 'sender_profile_id');
    return { integration, sender: named.sender ?? profile.sender, senderProfileId: profile.id };
  }
  const settings = known ?? settingsOf(await getProject(db, projectId));
  const fallback = settings[DEFAULT_FIELD[channel]];
  if (!fallback) {
    throw conflict(
      'no_default_provider',
      `the project has no default ${channel} integration; name one in integration_id or sender_profile_id, or set a default in the project settings`,
      'integration_id',
    );
  }
  return { integration: await integrations.requireForChannel(projectId, fallback, channel, 'integration_id'), sender: named.sender ?? null, senderProfileId: null };
}

export interface MessageDraft {
  projectId: string;
  via: SenderChoice;
  campaignId: string | null;
  customerRef: string;
  customerId: string;
  recipient: string;
  composed: Composed;
  idempotencyKey: string | null;
  /** The fingerprint of the request the idempotency key came with. */
  idempotencyFingerprint?: string | null;
  /** A keyword auto-response (goes out whatever the consent). */
  autoReply?: boolean;
  /** The recipient's country when the profile knows it: saves parsing the number again. */
  country?: string | null;
  /** Stored already claimed by this sender (see QueueSignal.handoff). */
  claimedBy?: string;
  /** Not to be sent before this (ms); its retry deadline counts from then. */
  sendAt?: number | null;
  /** The channels to try when the recipient is not reachable on this one (docs/fallback.md). */
  fallbackPlan?: FallbackPlan | null;
}

function expectsReports(d: MessageDraft): boolean {
  return d.country ? !COUNTRIES_WITHOUT_DELIVERY_REPORTS.has(d.country) : expectsDeliveryReports(d.recipient);
}

export function messageRow(d: MessageDraft, now: number): MessagesTable {
  const c = d.composed;
  const due = Math.max(now, d.sendAt ?? now);
  return {
    id: newId('msg'),
    project_id: d.projectId,
    integration_id: d.via.integration.id,
    campaign_id: d.campaignId,
    customer_ref: d.customerRef,
    customer_id: d.customerId,
    message_type: d.campaignId ? 'campaign' : 'transactional',
    channel: c.channel,
    recipient: d.recipient,
    sender: d.via.sender,
    sender_profile_id: d.via.senderProfileId,
    body: c.body,
    content: c.content ? JSON.stringify(c.content) : null,
    media: c.media.length ? JSON.stringify(c.media) : null,
    parts: c.parts,
    encoding: c.encoding,
    status: 'pending',
    dispatch_state: d.claimedBy ? 'sending' : 'queued',
    attempts: 0,
    next_attempt_at: due,
    deadline_at: due + d.via.integration.retryDeadlineSeconds * 1000,
    claimed_by: d.claimedBy ?? null,
    possible_duplicate: 0,
    request_started_at: null,
    unconfirmed_since: null,
    provider_message_id: null,
    sent_at_us: null,
    // Only SMS travels through the networks of countries that return no delivery reports.
    expects_reports: c.channel === 'sms' || c.channel === 'mms' ? (expectsReports(d) ? 1 : 0) : 1,
    last_error: null,
    idempotency_key: d.idempotencyKey,
    idempotency_fingerprint: d.idempotencyFingerprint ?? null,
    auto_reply: d.autoReply ? 1 : 0,
    fallback_of: null,
    fallback_plan: d.fallbackPlan ? JSON.stringify(d.fallbackPlan) : null,
    fallback_skipped: null,
    fallback_message_id: null,
    created_at: now,
    updated_at: now,
  };
}

export interface MessagingDeps {
  db: DB;
  integrations: IntegrationRegistry;
  queue: QueueSignal;
  /** Request-path writes share transactions (one fsync for many sends). */
  commit: GroupCommit;
  /** Base of tracked short links. */
  publicUrl: string;
  logger: Logger;
}

export async function sendTransactional(
  deps: MessagingDeps,
  projectId: string,
  input: SendInput,
  idempotencyKey: string | null,
): Promise<{ message: MessagesTable; replayed: boolean }> {
  const { db } = deps;
  const { composed, templates } = composeSend(input);
  if (!input.customer_id && !input.phone) throw invalid('invalid_request', 'give customer_id or phone', 'customer_id');
  const sendAt = input.send_at === undefined ? null : parseSendAt(input.send_at, Date.now());
  const fingerprint = idempotencyKey ? requestFingerprint(input) : null;
  if (idempotencyKey) {
    const prior = await messageStore.findByIdempotencyKey(db, projectId, idempotencyKey);
    if (prior) return replay(prior, fingerprint);
  }
  const phoneInput = input.phone ? parsePhoneInput(input.phone, 'phone') : null;
  // Read once per send: it also answers 404 for an unknown project.
  const settings = settingsOf(await getRecentProject(db, projectId));
  const via = await chooseSender(db, deps.integrations, projectId, composed.channel, input, settings);
  const fallbackSteps = await resolveFallbacks(db, deps.integrations, projectId, composed, input, settings);
  const trackLinks = tracksLinks(settings.link_tracking, input.track_links);

  // A message for later waits in the store: only one due now may go straight to a sender.
  const handoff = sendAt !== null && sendAt > Date.now() ? null : (deps.queue.handoff?.(via.integration.id) ?? null);
  const queued = deps.commit.run(async (trx) => {
    if (idempotencyKey) {
      // A retry that raced the first request into the same group.
      const prior = await messageStore.findByIdempotencyKey(trx, projectId, idempotencyKey);
      if (prior) return replay(prior, fingerprint);
    }
    const customer = input.customer_id
      ? await getCustomer(trx, projectId, input.customer_id)
      : await customerByPhone(trx, projectId, phoneInput!.e164, 'send', phoneInput!.country);
    const recipient = phoneInput?.e164 ?? customer.phone;
    // Known from the parse above or the profile: spares parsing the number again for it.
    const country = phoneInput ? phoneInput.country : customer.country;
    if (!recipient) throw invalid('missing_phone', `customer ${customer.customer_id} has no phone number; give phone`, 'phone');
    // Checked inside the transaction that queues, so an opt-out can't slip in between.
    if (await isOptedOut(trx, customer.id, composed.channel)) {
      throw conflict('opted_out', `customer ${customer.customer_id} has opted out of ${composed.channel} messages`, input.customer_id ? 'customer_id' : 'phone');
    }
    let content = composed;
    if (templates) {
      const p = personalise(composed, templates, profileVariables(customer, input.data));
      if (!p.ok) throw invalid('render_failed', `the template cannot be rendered for customer ${customer.customer_id}: ${p.error}`, 'template');
      content = p.composed;
    }
    const now = Date.now();
    const draft = { projectId, via, campaignId: null, customerRef: customer.id, customerId: customer.customer_id, recipient, composed: content, idempotencyKey, idempotencyFingerprint: fingerprint, country, claimedBy: handoff?.claimedBy, sendAt };
    let row = messageRow(draft, now);
    if (trackLinks) [row] = (await storeTrackedLinks(trx, [planTrackedLinks(row, deps.publicUrl, now)], deps.logger)) as [MessagesTable];
    // The fallbacks send the text as the recipient gets it here: rendered, links tracked.
    if (fallbackSteps) row.fallback_plan = JSON.stringify({ steps: fallbackSteps, body: input.fallback_body ?? row.body } satisfies FallbackPlan);
    if (!idempotencyKey) await messageStore.insert(trx, row);
    else if (!(await messageStore.insertUnlessKeyTaken(trx, row))) {
      // Another process stored this key since the look above: that one is the message.
      const prior = await messageStore.findByIdempotencyKey(trx, projectId, idempotencyKey);
      if (!prior) throw new Error(`Idempotency-Key of message ${row.id} conflicted on insert but is not stored`);
      return replay(prior, fingerprint);
    }
    return { message: row, replayed: false };
  });
  let result: Awaited<typeof queued>;
  try {
    result = await queued;
  } catch (err) {
    handoff?.cancel();
    throw err;
  }
  if (result.replayed) handoff?.cancel();
  else if (handoff) handoff.deliver(result.message);
  else deps.queue.notify(via.integration.id);
  return result;
}

/** A send's content, and its parsed template when it gives `template` instead of body. */
function composeSend(input: SendInput): { composed: Composed; templates: ContentTemplates | null } {
  if (input.template === undefined) {
    if (input.data !== undefined) throw invalid('invalid_request', 'data is for template', 'data');
    // A send's body is sent as written: only `template` is personalised.
    return { composed: composeMessage(input), templates: null };
  }
  if (input.body !== undefined || input.content !== undefined) throw invalid('invalid_request', 'give either template or body/content, not both', 'template');
  checkBody(input.template, 'template');
  const composed = composeMessage({ ...input, body: input.template });
  return { composed, templates: contentTemplates(composed, 'template') };
}

/** The first message of an idempotency key, unless this request is not the one it came with. */
function replay(prior: MessagesTable, fingerprint: string | null): { message: MessagesTable; replayed: true } {
  // Messages stored before fingerprints were kept have none: nothing to compare.
  if (prior.idempotency_fingerprint && prior.idempotency_fingerprint !== fingerprint) {
    throw unprocessable('idempotency_key_reused', 'this Idempotency-Key was used for a different request; use a new key for a new message', 'idempotency-key');
  }
  return { message: prior, replayed: true };
}

export async function getMessage(db: DB, projectId: string, id: string): Promise<MessagesTable> {
  const m = await messageStore.findInProject(db, projectId, id);
  if (!m) throw notFound('message', 'message_id');
  return m;
}

/** What `GET …/messages` filters on, as the API names it (statuses in the API's vocabulary). */
export interface MessageListQuery {
  status?: ApiMessageStatus;
  dispatch_state?: MessagesTable['dispatch_state'];
  channel?: Channel;
  integration_id?: string;
  campaign_id?: string;
  customer_id?: string;
  recipient?: string;
  created_from?: number;
  created_to?: number;
  possible_duplicate?: boolean;
  /** The next_cursor of the previous page: the id of its last (oldest) message. */
  cursor?: string;
  limit: number;
}

/** A project's messages, newest first, a page at a time. */
export async function listMessages(db: DB, projectId: string, q: MessageListQuery): Promise<ListPage<MessagesTable>> {
  await getProject(db, projectId);
  let customerRef: string | undefined;
  if (q.customer_id !== undefined) {
    const c = await findCustomer(db, projectId, q.customer_id);
    if (!c) return { items: [], nextCursor: null };
    customerRef = c.id;
  }
  const status = q.status === undefined ? undefined : storedStatusFilter(q.status);
  const rows = await messageStore.list(db, projectId, {
    status: status?.status,
    statusChannels: status?.channels,
    dispatchState: q.dispatch_state,
    channel: q.channel,
    integrationId: q.integration_id,
    campaignId: q.campaign_id,
    customerRef,
    recipient: q.recipient === undefined ? undefined : normalizePhoneInput(q.recipient, 'recipient'),
    createdFrom: q.created_from,
    createdTo: q.created_to,
    possibleDuplicate: q.possible_duplicate,
    before: q.cursor,
    limit: q.limit + 1,
  });
  return pageOf(rows, q.limit, (last) => last.id);
}

/** Queued messages per integration, and of them those retrying (for /metrics). */
export function queueDepths(db: DB): Promise<{ integration_id: string; queued: number; retrying: number }[]> {
  return messageStore.queueDepths(db);
}
