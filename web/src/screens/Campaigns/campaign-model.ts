// The campaign form's model: filled from a saved campaign (to edit it, or copy it), and turned into
// the body of POST …/campaigns (a new one) or PATCH …/campaigns/{cid} (an edit) — the same fields.
import { audienceJson, emptyAudience, modelFromFilter, type AudienceModel } from './audience.js';
import type { Campaign, MissingVariablePolicy, TemplateContent } from './types.js';

export type ChannelName = 'sms' | 'mms' | 'whatsapp' | 'rcs';
/** The channels a fallback can go to: text channels. */
export type FallbackChannel = 'sms' | 'whatsapp' | 'rcs';
export const FALLBACK_CHANNELS: readonly FallbackChannel[] = ['whatsapp', 'rcs', 'sms'];
export type TrackLinks = 'default' | 'on' | 'off';

export interface TemplateParameter {
  name: string;
  value: string;
}

export interface CampaignModel {
  name: string;
  channel: ChannelName;
  profile: string;
  /** WhatsApp/RCS: a text message, or a template with parameters. SMS/MMS: always text. */
  kind: 'text' | 'template';
  body: string;
  /** MMS: one URL per line. */
  media: string;
  template: { scope: TemplateContent['scope']; template_id: string; version: string; language_code: string; parameters: TemplateParameter[] };
  trackLinks: TrackLinks;
  policy: MissingVariablePolicy;
  /** In order: tried when the customer is not reachable on the campaign's channel. */
  fallback: FallbackChannel[];
  /** The text the fallbacks send (a template); empty: each message's own text. */
  fallbackBody: string;
  /** datetime-local, in the browser's zone; empty: a draft. */
  sendAt: string;
  audience: AudienceModel;
  /**
   * Editing: keep the stored audience rather than send one. A list of ids is never given back by
   * the API, and a filter this builder cannot show can only be kept or rebuilt.
   */
  keepAudience: boolean;
}

export const emptyTemplate = (): CampaignModel['template'] => ({ scope: 'channel', template_id: '', version: '', language_code: '', parameters: [] });

export const emptyCampaign = (): CampaignModel => ({
  name: '',
  channel: 'sms',
  profile: '',
  kind: 'text',
  body: '',
  media: '',
  template: emptyTemplate(),
  trackLinks: 'default',
  policy: 'default',
  fallback: [],
  fallbackBody: '',
  sendAt: '',
  audience: emptyAudience(),
  keepAudience: false,
});

const pad = (n: number) => String(n).padStart(2, '0');

/** An ISO time → datetime-local in the browser's zone (minutes). */
export function isoToLocal(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** datetime-local (the browser's zone) → ISO 8601 with an offset, as the hub requires. */
export const localToIso = (v: string) => (v ? new Date(v).toISOString() : '');

export const isChannel = (c: string): c is ChannelName => c === 'sms' || c === 'mms' || c === 'whatsapp' || c === 'rcs';
export const takesContent = (c: ChannelName) => c === 'whatsapp' || c === 'rcs';
const isFallbackChannel = (c: string): c is FallbackChannel => c === 'sms' || c === 'whatsapp' || c === 'rcs';

/** The fallback channels the form offers for a campaign channel: the text channels but its own. */
export const fallbackChoices = (channel: ChannelName): FallbackChannel[] => FALLBACK_CHANNELS.filter((c) => c !== channel);

/** The form filled from a saved campaign; `copy` names it as a copy and sends no time. */
export function modelFromCampaign(c: Campaign, copy = false): CampaignModel {
  const t = c.content?.type === 'template' ? c.content : null;
  const filter = c.audience.type === 'filter' ? modelFromFilter(c.audience.filter) : null;
  return {
    name: copy ? `${c.name} (copy)` : c.name,
    channel: isChannel(c.channel) ? c.channel : 'sms',
    profile: c.sender_profile_id ?? '',
    kind: t ? 'template' : 'text',
    body: c.content?.type === 'text' ? c.content.text : c.body,
    media: c.media_urls.join('\n'),
    template: t
      ? {
          scope: t.scope,
          template_id: t.template_id,
          version: t.version ?? '',
          language_code: t.language_code ?? '',
          parameters: Object.entries(t.parameters ?? {}).map(([name, value]) => ({ name, value })),
        }
      : emptyTemplate(),
    trackLinks: c.track_links === null ? 'default' : c.track_links ? 'on' : 'off',
    policy: c.missing_variable_policy,
    // Entries naming an integration or sender profile keep only their channel here.
    fallback: (c.fallback_channels ?? []).map((f) => (typeof f === 'string' ? f : f.channel)).filter(isFallbackChannel),
    fallbackBody: c.fallback_body ?? '',
    sendAt: copy ? '' : isoToLocal(c.send_at),
    audience: filter ?? (c.audience.type === 'customer_ids' ? { ...emptyAudience(), mode: 'ids' } : emptyAudience()),
    // A copy cannot keep another campaign's list; an edit keeps what the builder cannot show.
    keepAudience: !copy && !filter,
  };
}

export const mediaUrls = (text: string) =>
  text
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);

/** New: only what is set. Edit: always, null clearing them. */
function fallbackFields(channels: FallbackChannel[], body: string, edit: boolean): Record<string, unknown> {
  if (channels.length === 0) return edit ? { fallback_channels: null } : {};
  return { fallback_channels: channels, ...(body.trim() ? { fallback_body: body } : edit ? { fallback_body: null } : {}) };
}

function templateContent(t: CampaignModel['template']): TemplateContent {
  const parameters = Object.fromEntries(t.parameters.filter((p) => p.name.trim()).map((p) => [p.name.trim(), p.value]));
  return {
    type: 'template',
    scope: t.scope,
    template_id: t.template_id.trim(),
    ...(t.version.trim() && { version: t.version.trim() }),
    ...(t.language_code.trim() && { language_code: t.language_code.trim() }),
    ...(Object.keys(parameters).length > 0 && { parameters }),
  };
}

/**
 * The request body. New: what POST …/campaigns takes. Edit: the same fields for PATCH, with the
 * cleared ones as null (a draft again, the channel's default profile, the project's link
 * tracking), send_at only when it changed, and the audience only when not kept.
 */
export function campaignRequest(m: CampaignModel, edit: { sendAt: string } | null): Record<string, unknown> {
  const content = takesContent(m.channel) && m.kind === 'template' ? { content: templateContent(m.template) } : { body: m.body };
  const track = m.trackLinks === 'default' ? (edit ? null : undefined) : m.trackLinks === 'on';
  const sendAtChanged = !edit || m.sendAt !== edit.sendAt;
  return {
    name: m.name,
    channel: m.channel,
    ...content,
    ...(m.channel === 'mms' ? { media_urls: mediaUrls(m.media) } : {}),
    ...(track !== undefined && { track_links: track }),
    ...(m.profile ? { sender_profile_id: m.profile } : edit ? { sender_profile_id: null } : {}),
    missing_variable_policy: m.policy,
    // The campaign's own channel is never its fallback: one left from a channel change is dropped.
    ...fallbackFields(m.fallback.filter((c) => c !== m.channel), m.fallbackBody, edit !== null),
    ...(sendAtChanged && (m.sendAt ? { send_at: localToIso(m.sendAt) } : edit ? { send_at: null } : {})),
    ...(!(edit && m.keepAudience) && { audience: audienceJson(m.audience) }),
  };
}
