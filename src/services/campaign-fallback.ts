// Channel fallback for campaigns (docs/fallback.md): the channels are checked when the campaign is
// created or edited, as a send's are, and resolved to integrations again at launch (a campaign
// may wait days; its own integration is chosen at launch too). Each message gets the plan with
// its own text: the fallback body rendered for the recipient, or the message's text as sent.
import { renderTemplate, type ParsedTemplate, type TemplateVariables } from '../core/template.js';
import type { FallbackStep } from '../messages/fallback.js';
import type { DB } from '../store/db.js';
import type { CampaignsTable, MessagesTable } from '../store/schema.js';
import type { IntegrationRegistry } from './integration-registry.js';
import { MAX_BODY_CHARS, resolveFallbacks, type Composed, type FallbackChannelInput } from './messages.js';
import { parseField } from './personalisation.js';
import { getProject, settingsOf } from './projects.js';

export interface CampaignFallbackInput {
  fallback_channels?: FallbackChannelInput[];
  fallback_body?: string;
}

/** The campaign's fallback columns as stored. */
export type StoredFallback = Pick<CampaignsTable, 'fallback_channels' | 'fallback_body'>;

/**
 * Checks a campaign's fallbacks as a send's are (each channel resolvable now, the text there),
 * and its fallback body as a template; returns the columns to store. An empty list clears them.
 */
export async function checkCampaignFallback(db: DB, integrations: IntegrationRegistry, projectId: string, composed: Composed, input: CampaignFallbackInput): Promise<StoredFallback> {
  const settings = settingsOf(await getProject(db, projectId));
  const steps = await resolveFallbacks(db, integrations, projectId, composed, input, settings);
  if (!steps) return { fallback_channels: null, fallback_body: null };
  if (input.fallback_body !== undefined) parseField(input.fallback_body, 'fallback_body');
  return { fallback_channels: JSON.stringify(input.fallback_channels), fallback_body: input.fallback_body ?? null };
}

/** What a launch needs to give each message its plan. */
export interface LaunchFallback {
  steps: FallbackStep[];
  /** The steps as JSON, made once per launch: every message's plan holds the same ones. */
  stepsJson: string;
  body: ParsedTemplate | null;
}

/** Resolves the stored fallbacks for a launch; null when the campaign has none. */
export async function launchFallback(db: DB, integrations: IntegrationRegistry, campaign: CampaignsTable, composed: Composed): Promise<LaunchFallback | null> {
  if (campaign.fallback_channels === null) return null;
  const input: CampaignFallbackInput = {
    fallback_channels: JSON.parse(campaign.fallback_channels) as FallbackChannelInput[],
    ...(campaign.fallback_body !== null && { fallback_body: campaign.fallback_body }),
  };
  const steps = await resolveFallbacks(db, integrations, campaign.project_id, composed, input, settingsOf(await getProject(db, campaign.project_id)));
  if (!steps) return null;
  return { steps, stepsJson: JSON.stringify(steps), body: campaign.fallback_body === null ? null : parseField(campaign.fallback_body, 'fallback_body') };
}

/**
 * The plan of one campaign message (JSON), given its final row (rendered, links tracked) and the
 * recipient's variables; null when the fallback body cannot be rendered for them, so the message
 * goes out without fallbacks rather than not at all.
 */
export function planFor(fallback: LaunchFallback, row: MessagesTable, vars: () => TemplateVariables): string | null {
  let body = row.body;
  if (fallback.body) {
    const r = renderTemplate(fallback.body, vars(), { maxChars: MAX_BODY_CHARS, timeMs: 50, memory: 100_000 });
    if (!r.ok || r.text.trim().length === 0) return null;
    body = r.text;
  }
  // A FallbackPlan, {steps, body}, with the shared steps spliced in rather than serialised per message.
  return `{"steps":${fallback.stepsJson},"body":${JSON.stringify(body)}}`;
}
