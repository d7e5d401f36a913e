// Editing a campaign before it launches (PATCH …/campaigns/{cid}): allowed while it is a draft or
// scheduled. The edit is checked exactly as a create is, then the row and a replaced audience list
// are written in one transaction whose first statement is the campaign's conditional state change
// (draft/scheduled → draft/scheduled, on the version read): a launch taking the campaign at the
// same moment (by hand, or the scheduler) and this edit cannot both win, and nothing is half-written.
import { conflict, invalid, notFound } from '../core/errors.js';
import { parseSendAt } from '../core/send-at.js';
import * as audienceStore from '../store/audiences.js';
import * as campaignStore from '../store/campaigns.js';
import type { CampaignEditPatch } from '../store/campaigns.js';
import { inTransaction } from '../store/db.js';
import type { CampaignsTable, CampaignState, MissingVariablePolicy } from '../store/schema.js';
import { prepareAudience, type AudienceInput, type PreparedAudience } from './audiences.js';
import { refused } from './campaign-control.js';
import { MAX_AUDIENCE_IDS } from './campaigns.js';
import { chooseSender, composeMessage, storedContent, type Composed, type ContentInput, type MessagingDeps } from './messages.js';
import { contentTemplates } from './personalisation.js';
import { checkCampaignFallback } from './campaign-fallback.js';
import type { FallbackChannelInput } from './messages.js';

/** What an edit may change; what it leaves out stays as it is. Null clears a route field or track_links, and unschedules (send_at). */
export interface CampaignEdit extends ContentInput {
  name?: string;
  track_links?: boolean | null;
  integration_id?: string | null;
  sender_profile_id?: string | null;
  sender?: string | null;
  audience?: AudienceInput;
  missing_variable_policy?: MissingVariablePolicy;
  /** A time schedules the campaign (or moves it); null makes a scheduled campaign a draft again. */
  send_at?: string | null;
  /** Replaces the fallback channels; null or [] removes them (and the fallback body). */
  fallback_channels?: FallbackChannelInput[] | null;
  /** Replaces the text the fallbacks send; null: each message's own text. */
  fallback_body?: string | null;
}

const EDITABLE: readonly CampaignState[] = ['draft', 'scheduled'];

/** The campaign's stored content as a request would give it, to check it again on another channel. */
function storedAsInput(row: CampaignsTable): ContentInput {
  const { content, media_urls } = storedContent(row);
  return {
    ...(content && content.type !== 'text' ? { content } : { body: row.body }),
    ...(media_urls.length > 0 && { media_urls }),
  };
}

/** The content after the edit: replaced when the edit gives any of body, content and media_urls; else the stored one, checked against the (new) channel. */
function editedContent(row: CampaignsTable, edit: CampaignEdit): Composed {
  const replaced = edit.body !== undefined || edit.content !== undefined || edit.media_urls !== undefined;
  const channel = edit.channel ?? row.channel;
  const source: ContentInput = replaced
    ? { ...(edit.body !== undefined && { body: edit.body }), ...(edit.content !== undefined && { content: edit.content }), ...(edit.media_urls !== undefined && { media_urls: edit.media_urls }) }
    : storedAsInput(row);
  return composeMessage({ channel, ...source });
}

/** A field the edit sets, or the stored value when it leaves it out. */
const pick = <T>(edited: T | undefined, stored: T): T => (edited === undefined ? stored : edited);

export async function editCampaign(deps: MessagingDeps, projectId: string, id: string, edit: CampaignEdit): Promise<CampaignsTable> {
  const { db } = deps;
  const row = await campaignStore.find(db, projectId, id);
  if (!row) throw notFound('campaign', 'campaign_id');
  if (!EDITABLE.includes(row.state)) throw refused(row.state, 'be edited');

  // The same checks as a create, on the campaign as it will be.
  const composed = editedContent(row, edit);
  contentTemplates(composed, composed.content ? 'content.text' : 'body');
  const sendAt = edit.send_at === undefined ? undefined : edit.send_at === null ? null : parseSendAt(edit.send_at, Date.now());
  let audience: PreparedAudience | null = null;
  if (edit.audience !== undefined) {
    if ((edit.audience.customer_ids?.length ?? 0) > MAX_AUDIENCE_IDS) throw invalid('invalid_request', `audience.customer_ids holds more than ${MAX_AUDIENCE_IDS} ids`, 'audience.customer_ids');
    audience = await prepareAudience(db, projectId, composed.channel, edit.audience);
  }
  const route = {
    integration_id: pick(edit.integration_id, row.integration_id),
    sender_profile_id: pick(edit.sender_profile_id, row.sender_profile_id),
    sender: pick(edit.sender, row.sender),
  };
  await chooseSender(db, deps.integrations, projectId, composed.channel, {
    ...(route.integration_id !== null && { integration_id: route.integration_id }),
    ...(route.sender_profile_id !== null && { sender_profile_id: route.sender_profile_id }),
    ...(route.sender !== null && { sender: route.sender }),
  });

  // Checked again whatever the edit changed: a new channel or content can make a kept fallback wrong.
  const channels = edit.fallback_channels === undefined ? (row.fallback_channels === null ? [] : (JSON.parse(row.fallback_channels) as FallbackChannelInput[])) : (edit.fallback_channels ?? []);
  const cleared = edit.fallback_channels !== undefined && channels.length === 0;
  const fallbackBody = edit.fallback_body === undefined ? (cleared ? null : row.fallback_body) : edit.fallback_body;
  const fallback = await checkCampaignFallback(db, deps.integrations, projectId, composed, {
    fallback_channels: channels,
    ...(fallbackBody !== null && { fallback_body: fallbackBody }),
  });

  const patch: CampaignEditPatch & { state: CampaignState } = {
    ...(edit.name !== undefined && { name: edit.name }),
    channel: composed.channel,
    body: composed.body,
    content: composed.content ? JSON.stringify(composed.content) : null,
    media: composed.media.length ? JSON.stringify(composed.media) : null,
    ...route,
    ...(edit.track_links !== undefined && { track_links: edit.track_links === null ? null : edit.track_links ? 1 : 0 }),
    ...(edit.missing_variable_policy !== undefined && { missing_variable_policy: edit.missing_variable_policy }),
    ...(audience && { audience: audience.definition }),
    ...fallback,
    state: sendAt === undefined ? row.state : sendAt === null ? 'draft' : 'scheduled',
    ...(sendAt !== undefined && { send_at: sendAt }),
    // Always a new version, even within the same millisecond: a launch that read the old one is refused.
    updated_at: Math.max(Date.now(), row.updated_at + 1),
  };
  const written = await inTransaction(db, async (trx) => {
    if (!(await campaignStore.transition(trx, id, EDITABLE, patch, { version: row.updated_at }))) return false;
    if (audience) {
      await audienceStore.clearIds(trx, id);
      await campaignStore.update(trx, id, { audience_size: await audience.write(trx, id) });
    }
    return true;
  });
  if (!written) {
    const state = (await campaignStore.stateOf(db, id)) ?? row.state;
    if (EDITABLE.includes(state)) throw conflict('campaign_changed', 'the campaign was changed by someone else while this edit was checked: look at it again', 'campaign_id');
    throw refused(state, 'be edited');
  }
  const edited = await campaignStore.find(db, projectId, id);
  if (!edited) throw notFound('campaign', 'campaign_id');
  return edited;
}
