// Campaigns: one template to an audience of customers. A launch fans out in chunks, each chunk one
// transaction; the (campaign, customer) unique index makes a launch that a crash interrupted safe
// to run again, which the hub does at start for every campaign left `launching`.
import { invalid, conflict, notFound } from '../core/errors.js';
import { countSegments } from '../core/segments.js';
import { newId } from '../core/ids.js';
import * as campaignStore from '../store/campaigns.js';
import type { CampaignSummary } from '../store/campaigns.js';
import * as messageStore from '../store/messages.js';
import { inTransaction, type DB } from '../store/db.js';
import type { CampaignsTable, MessagesTable, MissingVariablePolicy } from '../store/schema.js';
import { eachAudienceChunk, prepareAudience, type AudienceInput } from './audiences.js';
import { planTrackedLinks, storeTrackedLinks, tracksLinks } from './links.js';
import { getProject, settingsOf } from './projects.js';
import { getCustomer } from './customers.js';
import { composeMessage, messageRow, chooseSender, sendTransactional, storedContent, type Composed, type ContentInput, type MessagingDeps } from './messages.js';
import { contentTemplates, personalise, profileVariables } from './personalisation.js';
import { beginFanOut, fanOutGoesOn } from './campaign-control.js';
import { fanOutRules } from './fan-out-rules.js';
import { parseSendAt } from '../core/send-at.js';
import type { CampaignState } from '../store/schema.js';
import { checkCampaignFallback, launchFallback, planFor, type CampaignFallbackInput } from './campaign-fallback.js';

export interface CampaignInput extends ContentInput, CampaignFallbackInput {
  name: string;
  /** Shorten and track links; default: the project setting. */
  track_links?: boolean;
  integration_id?: string;
  sender_profile_id?: string;
  sender?: string;
  /** Exactly one: a list of customer ids, or a filter (docs/audiences.md). */
  audience: AudienceInput;
  /** A recipient lacking a variable the template outputs: render it empty (default) or skip them. */
  missing_variable_policy?: MissingVariablePolicy;
  /** ISO 8601 with an offset: the campaign is created scheduled, and the hub launches it then. */
  send_at?: string;
}

export const MAX_AUDIENCE_IDS = 1_000_000;

export type { CampaignSummary };

export async function createCampaign(deps: MessagingDeps, projectId: string, input: CampaignInput): Promise<CampaignsTable> {
  const { db } = deps;
  const composed = composeMessage(input);
  // A syntax error is the sender's to fix now, not a launch that sends nothing.
  contentTemplates(composed, input.content ? 'content.text' : 'body');
  const sendAt = input.send_at === undefined ? null : parseSendAt(input.send_at, Date.now());
  if ((input.audience.customer_ids?.length ?? 0) > MAX_AUDIENCE_IDS) throw invalid('invalid_request', `audience.customer_ids holds more than ${MAX_AUDIENCE_IDS} ids`, 'audience.customer_ids');
  const audience = await prepareAudience(db, projectId, composed.channel, input.audience);
  // Fails now, with a clear error, rather than at launch.
  await chooseSender(db, deps.integrations, projectId, composed.channel, input);
  const fallback = await checkCampaignFallback(db, deps.integrations, projectId, composed, input);
  const now = Date.now();
  const row: CampaignsTable = {
    id: newId('cmp'),
    project_id: projectId,
    name: input.name,
    channel: composed.channel,
    body: composed.body,
    content: composed.content ? JSON.stringify(composed.content) : null,
    media: composed.media.length ? JSON.stringify(composed.media) : null,
    sender_profile_id: input.sender_profile_id ?? null,
    integration_id: input.integration_id ?? null,
    sender: input.sender ?? null,
    track_links: input.track_links === undefined ? null : input.track_links ? 1 : 0,
    audience: audience.definition,
    audience_size: 0,
    state: sendAt === null ? 'draft' : 'scheduled',
    launch_summary: null,
    missing_variable_policy: input.missing_variable_policy ?? 'default',
    send_at: sendAt,
    cancelled_messages: null,
    ...fallback,
    created_at: now,
    launched_at: null,
    updated_at: now,
  };
  // The campaign and its audience list commit together: a bad request leaves nothing behind.
  await inTransaction(db, async (trx) => {
    await campaignStore.insert(trx, row);
    row.audience_size = await audience.write(trx, row.id);
    await campaignStore.update(trx, row.id, { audience_size: row.audience_size });
  });
  return row;
}

export async function getCampaign(db: DB, projectId: string, id: string): Promise<CampaignsTable> {
  const c = await campaignStore.find(db, projectId, id);
  if (!c) throw notFound('campaign', 'campaign_id');
  return c;
}

export async function getCampaignSummary(db: DB, projectId: string, id: string): Promise<CampaignSummary> {
  const c = await campaignStore.findSummary(db, projectId, id);
  if (!c) throw notFound('campaign', 'campaign_id');
  return c;
}

export async function listCampaigns(db: DB, projectId: string): Promise<CampaignSummary[]> {
  return campaignStore.listSummaries(db, projectId);
}

export interface LaunchSummary {
  audience: number;
  queued: number;
  skipped_unknown_customer: number;
  skipped_no_phone: number;
  skipped_opted_out: number;
  /** Left out under the `skip` policy: a variable the template outputs was missing. */
  skipped_missing_variable: number;
  /** The template could not be rendered for them (too long, empty, over its time or memory). */
  skipped_render_error: number;
  /** Of the skipped_missing_variable, how many lacked each variable. */
  missing_variables: Record<string, number>;
  /** At the project's frequency cap (docs/scheduling.md). */
  skipped_frequency_cap: number;
  /** Queued for the end of the recipient's quiet hours. */
  deferred_quiet_hours: number;
  /** Campaigns with fallback channels: messages queued without them (the fallback body could not be rendered for the recipient). */
  without_fallback?: number;
}

/**
 * Fans the campaign out. `from`: the states it may launch from — by hand, a draft or scheduled
 * campaign; the scheduler, a scheduled one; a launch resumed (after a crash or a pause),
 * `launching`. Stops between chunks once the campaign is paused or cancelled.
 */
export async function launchCampaign(deps: MessagingDeps, projectId: string, id: string, from: readonly CampaignState[] = ['draft', 'scheduled']): Promise<CampaignSummary> {
  const { db } = deps;
  const campaign = await getCampaign(db, projectId, id);
  if (campaign.state === 'launched') throw conflict('already_launched', 'the campaign has already been launched', 'campaign_id');
  const via = await chooseSender(db, deps.integrations, projectId, campaign.channel, campaign);
  const integration = via.integration;
  const composed = campaignContent(campaign);
  // Parsed once per launch, rendered per recipient.
  const templates = contentTemplates(composed, 'body');
  const skipMissing = campaign.missing_variable_policy === 'skip';
  // Resolved now, like the campaign's own integration: an integration removed since refuses the launch.
  const fallback = await launchFallback(db, deps.integrations, campaign, composed);
  const now = Date.now();
  await beginFanOut(db, campaign, from, integration.id, now);
  const rules = await fanOutRules(db, projectId, id);

  const trackLinks = tracksLinks(settingsOf(await getProject(db, projectId)).link_tracking, campaign.track_links);
  const summary: LaunchSummary = {
    audience: 0,
    queued: 0,
    skipped_unknown_customer: 0,
    skipped_no_phone: 0,
    skipped_opted_out: 0,
    skipped_missing_variable: 0,
    skipped_render_error: 0,
    missing_variables: {},
    skipped_frequency_cap: 0,
    deferred_quiet_hours: 0,
    ...(fallback && { without_fallback: 0 }),
  };
  const stopped = await eachAudienceChunk(
    db,
    campaign,
    async (trx, { customers, unknown }) => {
      summary.audience += customers.length + unknown;
      summary.skipped_unknown_customer += unknown;
      const rows: MessagesTable[] = [];
      const at = Date.now();
      const checks = await rules.chunk(trx, customers.map((c) => c.id), at);
      for (const c of customers) {
        if (!c.phone) {
          summary.skipped_no_phone++;
          continue;
        }
        if (c.opted_out) {
          summary.skipped_opted_out++;
          continue;
        }
        if (checks.capped(c.id)) {
          summary.skipped_frequency_cap++;
          continue;
        }
        let content = composed;
        if (templates) {
          const p = personalise(composed, templates, profileVariables(c));
          if (!p.ok) {
            summary.skipped_render_error++;
            continue;
          }
          if (skipMissing && p.missing.length > 0) {
            summary.skipped_missing_variable++;
            for (const v of p.missing) summary.missing_variables[v] = (summary.missing_variables[v] ?? 0) + 1;
            continue;
          }
          content = p.composed;
        }
        const row = messageRow({ projectId, via, campaignId: id, customerRef: c.id, customerId: c.customer_id, recipient: c.phone, country: c.country, composed: content, idempotencyKey: null }, at);
        if (checks.defer(row, c)) summary.deferred_quiet_hours++;
        rows.push(row);
      }
      summary.queued += rows.length;
      const toInsert = trackLinks ? await storeTrackedLinks(trx, rows.map((r) => planTrackedLinks(r, deps.publicUrl, at)), deps.logger) : rows;
      // The plan carries the text as the recipient gets it: rendered, links tracked.
      if (fallback) {
        const byRef = new Map(customers.map((c) => [c.id, c]));
        for (const row of toInsert) {
          row.fallback_plan = planFor(fallback, row, () => profileVariables(byRef.get(row.customer_ref) ?? null));
          if (row.fallback_plan === null) summary.without_fallback!++;
        }
      }
      await messageStore.insertForCampaign(trx, toInsert);
    },
    () => deps.queue.notify(integration.id),
    // Checked in each transaction: no chunk lands after a pause or a cancel.
    (trx) => fanOutGoesOn(trx, id),
  );
  // Paused: the launch runs again on resume and counts afresh. Cancelled: what it got to.
  if (stopped) await campaignStore.transition(db, id, ['cancelled'], { state: 'cancelled', launch_summary: JSON.stringify(summary) });
  else await campaignStore.transition(db, id, ['launching'], { state: 'launched', audience_size: summary.audience, launch_summary: JSON.stringify(summary), updated_at: Date.now() });
  return getCampaignSummary(db, projectId, id);
}

/** A campaign's content as stored, composed (parts counted on the unrendered text). */
function campaignContent(campaign: CampaignSummary): Composed {
  const stored = storedContent(campaign);
  return composeMessage({
    channel: campaign.channel,
    ...(stored.content ? { content: stored.content } : { body: campaign.body }),
    media_urls: stored.media_urls,
  });
}

export interface CampaignPreview {
  body: string;
  content: Composed['content'];
  parts: number;
  encoding: string;
  ucs2_characters: string[];
  missing_variables: string[];
}

/** The campaign's content rendered for one customer (none: every customer variable missing). */
async function renderedFor(db: DB, projectId: string, campaign: CampaignSummary, customerId: string | undefined): Promise<{ rendered: Composed; missing: string[] }> {
  const customer = customerId === undefined ? null : await getCustomer(db, projectId, customerId);
  const composed = campaignContent(campaign);
  const templates = contentTemplates(composed, 'body');
  if (!templates) return { rendered: composed, missing: [] };
  const p = personalise(composed, templates, profileVariables(customer));
  if (!p.ok) throw invalid('render_failed', `the template cannot be rendered${customer ? ` for customer ${customer.customer_id}` : ''}: ${p.error}`, 'customer_id');
  return { rendered: p.composed, missing: p.missing };
}

/** The campaign's message as one customer would get it; nothing is sent or counted. */
export async function previewCampaign(db: DB, projectId: string, id: string, customerId: string): Promise<CampaignPreview> {
  const campaign = await getCampaignSummary(db, projectId, id);
  const { rendered, missing } = await renderedFor(db, projectId, campaign, customerId);
  const sms = rendered.channel === 'sms' || rendered.channel === 'mms';
  return {
    body: rendered.body,
    content: rendered.content,
    parts: rendered.parts,
    encoding: rendered.encoding,
    ucs2_characters: sms ? countSegments(rendered.body).nonGsmCharacters : [],
    missing_variables: missing,
  };
}

/**
 * Sends the campaign's message, rendered for a customer (or for nobody), to a test phone. It goes
 * out as a transactional message, so the campaign's stats and launch are untouched.
 */
export async function testSendCampaign(deps: MessagingDeps, projectId: string, id: string, to: { phone: string; customer_id?: string }) {
  const campaign = await getCampaignSummary(deps.db, projectId, id);
  const { rendered } = await renderedFor(deps.db, projectId, campaign, to.customer_id);
  const { message } = await sendTransactional(
    deps,
    projectId,
    {
      phone: to.phone,
      channel: rendered.channel,
      ...(rendered.content ? { content: rendered.content } : { body: rendered.body }),
      ...(rendered.media.length > 0 && { media_urls: rendered.media }),
      ...(campaign.track_links !== null && { track_links: campaign.track_links === 1 }),
      ...(campaign.integration_id !== null && { integration_id: campaign.integration_id }),
      ...(campaign.sender_profile_id !== null && { sender_profile_id: campaign.sender_profile_id }),
      ...(campaign.sender !== null && { sender: campaign.sender }),
    },
    null,
  );
  return message;
}

/** Campaigns a crash left half-launched; the hub resumes them at start. */
export async function unfinishedLaunches(db: DB): Promise<Pick<CampaignsTable, 'id' | 'project_id'>[]> {
  return campaignStore.listLaunching(db);
}
