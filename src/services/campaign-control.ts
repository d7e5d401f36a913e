// A campaign's life after its creation: scheduling, the launch's start, pause, resume and cancel.
// Every change of state is a conditional update (from the states it may come from), so two
// callers racing — the scheduler and a launch by hand, a pause and a cancel — never both win; and
// each is one transaction with what it does to the campaign's queued messages. The fan-out checks
// the state inside each chunk's transaction, so no chunk lands after a pause or cancel committed.
import { conflict, notFound } from '../core/errors.js';
import { parseSendAt } from '../core/send-at.js';
import * as campaignStore from '../store/campaigns.js';
import type { CampaignSummary } from '../store/campaigns.js';
import { inTransaction, type DB } from '../store/db.js';
import * as messageStore from '../store/messages.js';
import type { CampaignState } from '../store/schema.js';
import type { MessagingDeps } from './messages.js';

async function getCampaignSummary(db: DB, projectId: string, id: string): Promise<CampaignSummary> {
  const c = await campaignStore.findSummary(db, projectId, id);
  if (!c) throw notFound('campaign', 'campaign_id');
  return c;
}

/** Why the campaign cannot do `what` in its state: a 409 with a code per state. */
export function refused(state: CampaignState, what: string): Error {
  switch (state) {
    case 'cancelled':
      return conflict('campaign_cancelled', `the campaign was cancelled: it cannot ${what}`, 'campaign_id');
    case 'launched':
      return conflict('already_launched', `the campaign has already been launched: it cannot ${what}`, 'campaign_id');
    case 'launching':
      return conflict('launch_in_progress', `the campaign is launching: it cannot ${what}`, 'campaign_id');
    case 'paused':
      return conflict('campaign_paused', `the campaign is paused: it cannot ${what} (resume or cancel it)`, 'campaign_id');
    case 'scheduled':
    case 'draft':
      return conflict('campaign_not_launched', `the campaign has not been launched: it cannot ${what}`, 'campaign_id');
  }
}

/** Schedules a draft campaign, or moves a scheduled one; a past send_at means now. */
export async function scheduleCampaign(db: DB, projectId: string, id: string, sendAt: string): Promise<CampaignSummary> {
  const campaign = await getCampaignSummary(db, projectId, id);
  const t = parseSendAt(sendAt, Date.now());
  if (!(await campaignStore.transition(db, id, ['draft', 'scheduled'], { state: 'scheduled', send_at: t, updated_at: Date.now() }))) {
    throw refused((await campaignStore.stateOf(db, id)) ?? campaign.state, 'be scheduled');
  }
  return getCampaignSummary(db, projectId, id);
}

/**
 * Moves the campaign to `launching` from one of `from` (a launch by hand: draft or scheduled;
 * the scheduler: scheduled; resuming: launching), or throws the 409 its state calls for.
 */
export async function beginFanOut(db: DB, campaign: CampaignSummary, from: readonly CampaignState[], integrationId: string, now: number): Promise<void> {
  // From draft or scheduled, only the version the launch read: an edit that committed since
  // (campaign-edit.ts) wins, rather than the launch sending what the campaign said before it.
  const editable = from.includes('draft') || from.includes('scheduled');
  const patch = { state: 'launching' as const, integration_id: integrationId, launched_at: campaign.launched_at ?? now, updated_at: now };
  if (await campaignStore.transition(db, campaign.id, from, patch, editable ? { version: campaign.updated_at } : {})) return;
  const state = (await campaignStore.stateOf(db, campaign.id)) ?? campaign.state;
  if (editable && from.includes(state)) throw conflict('campaign_changed', 'the campaign was changed while it was being launched: look at it again, then launch it', 'campaign_id');
  throw refused(state, 'be launched');
}

/** Checked at the start of each chunk's transaction: false once the campaign was paused or cancelled. */
export async function fanOutGoesOn(trx: DB, campaignId: string): Promise<boolean> {
  return (await campaignStore.stateForFanOut(trx, campaignId)) === 'launching';
}

/**
 * Pauses a launching or launched campaign: its fan-out stops before its next chunk, its queued
 * messages are parked (`paused`) and what senders had claimed but not sent is handed back. A
 * message already handed to a provider goes on. Pausing a paused campaign changes nothing.
 */
export async function pauseCampaign(deps: MessagingDeps, projectId: string, id: string): Promise<CampaignSummary> {
  const campaign = await getCampaignSummary(deps.db, projectId, id);
  if (campaign.state === 'paused') return campaign;
  const now = Date.now();
  const paused = await inTransaction(deps.db, async (trx) => {
    if (!(await campaignStore.transition(trx, id, ['launching', 'launched'], { state: 'paused', updated_at: now }))) return false;
    await messageStore.moveCampaignMessages(trx, id, 'queued', 'paused', now);
    return true;
  });
  if (!paused) {
    const state = (await campaignStore.stateOf(deps.db, id)) ?? campaign.state;
    if (state !== 'paused') throw refused(state, 'be paused');
  }
  await deps.queue.holdCampaign?.(id, 'paused');
  return getCampaignSummary(deps.db, projectId, id);
}

/**
 * Resumes a paused campaign: its messages are queued again and, when its fan-out had not
 * finished, `relaunch` is true: the caller runs the launch on (it skips who was reached).
 */
export async function resumeCampaign(deps: MessagingDeps, projectId: string, id: string): Promise<{ campaign: CampaignSummary; relaunch: boolean }> {
  const campaign = await getCampaignSummary(deps.db, projectId, id);
  if (campaign.state === 'cancelled') throw refused(campaign.state, 'be resumed');
  if (campaign.state !== 'paused') throw conflict('campaign_not_paused', `the campaign is ${campaign.state}, not paused: there is nothing to resume`, 'campaign_id');
  // The summary is written when the fan-out completes: without it, the fan-out has more to do.
  const relaunch = campaign.launch_summary === null;
  const now = Date.now();
  const resumed = await inTransaction(deps.db, async (trx) => {
    if (!(await campaignStore.transition(trx, id, ['paused'], { state: relaunch ? 'launching' : 'launched', updated_at: now }))) return false;
    await messageStore.moveCampaignMessages(trx, id, 'paused', 'queued', now);
    return true;
  });
  if (!resumed) {
    const state = (await campaignStore.stateOf(deps.db, id)) ?? campaign.state;
    throw state === 'cancelled' ? refused(state, 'be resumed') : conflict('campaign_not_paused', `the campaign is ${state}, not paused: there is nothing to resume`, 'campaign_id');
  }
  deps.queue.releaseCampaign?.(id);
  if (campaign.integration_id) deps.queue.notify(campaign.integration_id);
  return { campaign: await getCampaignSummary(deps.db, projectId, id), relaunch };
}

/**
 * Cancels the campaign: a scheduled one never launches; a launching one's fan-out stops; every
 * message still waiting (queued, paused, or claimed by a sender but not sent) is cancelled with
 * last_error `{"reason": "campaign_cancelled"}`. Nothing already handed to a
 * provider is touched. Cancelling a cancelled campaign changes nothing.
 */
export async function cancelCampaign(deps: MessagingDeps, projectId: string, id: string): Promise<CampaignSummary> {
  const campaign = await getCampaignSummary(deps.db, projectId, id);
  if (campaign.state === 'cancelled') return campaign;
  const now = Date.now();
  const cancelled = await inTransaction(deps.db, async (trx) => {
    if (!(await campaignStore.transition(trx, id, ['draft', 'scheduled', 'launching', 'launched', 'paused'], { state: 'cancelled', updated_at: now }))) return false;
    const n = await messageStore.cancelQueuedOfCampaign(trx, id, now);
    await campaignStore.update(trx, id, { cancelled_messages: n });
    return true;
  });
  if (!cancelled && (await campaignStore.stateOf(deps.db, id)) !== 'cancelled') throw refused(campaign.state, 'be cancelled');
  // What senders had claimed and not yet sent: taken back, cancelled and counted too.
  await deps.queue.holdCampaign?.(id, 'cancelled');
  return getCampaignSummary(deps.db, projectId, id);
}
