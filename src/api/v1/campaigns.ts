import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { TSchema } from '@sinclair/typebox';
import type { Hub } from '../../hub.js';
import { audienceView, estimateCampaign } from '../../services/audiences.js';
import { createCampaign, getCampaignSummary, listCampaigns, MAX_AUDIENCE_IDS, previewCampaign, testSendCampaign, type CampaignSummary } from '../../services/campaigns.js';
import { editCampaign } from '../../services/campaign-edit.js';
import { cancelCampaign, pauseCampaign, resumeCampaign, scheduleCampaign } from '../../services/campaign-control.js';
import { campaignSeries, campaignStats, MAX_SERIES_MINUTES } from '../../services/campaign-stats.js';
import { storedContent } from '../../services/messages.js';
import { getProject } from '../../services/projects.js';
import { requireProject } from './auth.js';
import { FallbackChannelList, FallbackFields, Message, messageView, timeParam } from './messages.js';
import { AudienceEstimate, AudienceFilter } from './audiences.js';
import { AnyObject, ContentFields, errorResponse, errorResponses, Phone, ProjectParams, RouteFields, SendAt } from './schemas.js';

const MissingVariablePolicy = Type.Union([Type.Literal('default'), Type.Literal('skip')], {
  description: 'a recipient lacking a variable the body outputs without a `default` filter: `default` renders it empty, `skip` leaves the recipient out',
});

const Campaign = Type.Object({
  id: Type.String(),
  project_id: Type.String(),
  name: Type.String(),
  channel: Type.String(),
  body: Type.String(),
  content: Type.Union([AnyObject, Type.Null()]),
  media_urls: Type.Array(Type.String()),
  sender_profile_id: Type.Union([Type.String(), Type.Null()]),
  integration_id: Type.Union([Type.String(), Type.Null()]),
  sender: Type.Union([Type.String(), Type.Null()]),
  audience: Type.Union([Type.Object({ type: Type.Literal('customer_ids') }), Type.Object({ type: Type.Literal('filter'), filter: AnyObject })], {
    description: 'how the audience is defined: a stored list of customer ids, or a filter (docs/audiences.md)',
  }),
  audience_size: Type.Integer({ description: 'a list: how many distinct ids it holds; a filter: how many customers matched at create, then at launch' }),
  state: Type.Union(['draft', 'scheduled', 'launching', 'launched', 'paused', 'cancelled'].map((s) => Type.Literal(s)), {
    description: 'draft → scheduled (optional) → launching → launched; launching/launched ⇄ paused; any but cancelled → cancelled (docs/scheduling.md)',
  }),
  send_at: Type.Union([Type.String(), Type.Null()], { description: 'when a scheduled campaign launches' }),
  cancelled_messages: Type.Union([Type.Integer(), Type.Null()], { description: 'messages a cancel took off the queue (reason campaign_cancelled); null until cancelled' }),
  launch_summary: Type.Union([AnyObject, Type.Null()]),
  created_at: Type.String(),
  launched_at: Type.Union([Type.String(), Type.Null()]),
  track_links: Type.Union([Type.Boolean(), Type.Null()]),
  missing_variable_policy: MissingVariablePolicy,
  fallback_channels: Type.Array(Type.Union([Type.String(), AnyObject]), { description: 'the fallback channels as given (docs/fallback.md), resolved to integrations at launch; [] for none' }),
  fallback_body: Type.Union([Type.String(), Type.Null()], { description: "the text the fallbacks send, a template like the body; null: each message's own text as sent" }),
});

const LaunchSummary = Type.Object(
  {
    audience: Type.Optional(Type.Integer()),
    queued: Type.Optional(Type.Integer()),
    skipped_unknown_customer: Type.Optional(Type.Integer()),
    skipped_no_phone: Type.Optional(Type.Integer()),
    skipped_opted_out: Type.Optional(Type.Integer()),
    skipped_missing_variable: Type.Optional(Type.Integer({ description: 'left out by the `skip` policy' })),
    skipped_render_error: Type.Optional(Type.Integer({ description: 'the body could not be rendered for them (too long, empty, over its bounds)' })),
    missing_variables: Type.Optional(Type.Record(Type.String(), Type.Integer(), { description: 'of those skipped for a missing variable, how many lacked each' })),
    skipped_frequency_cap: Type.Optional(Type.Integer({ description: "at the project's frequency cap" })),
    deferred_quiet_hours: Type.Optional(Type.Integer({ description: "queued for the end of the recipient's quiet hours" })),
    without_fallback: Type.Optional(Type.Integer({ description: 'a campaign with fallback channels: messages queued without them, the fallback body could not be rendered for the recipient' })),
  },
  { description: 'what the launch did with each audience customer' },
);
const Rate = Type.Union([Type.Number(), Type.Null()]);
const Funnel = Type.Object(
  {
    audience: Type.Integer(),
    skipped: Type.Integer({ description: 'audience customers the launch left out (see skipped_by_reason)' }),
    messages: Type.Integer({ description: 'messages the launch queued' }),
    waiting: Type.Integer({ description: 'not handed to a provider yet (paused ones included)' }),
    cancelled: Type.Integer({ description: 'taken off the queue unsent by a cancel (of the campaign, or of an erased customer)' }),
    accepted: Type.Integer({ description: 'taken by the provider (an enqueued event or any later report)' }),
    sent: Type.Integer({ description: 'reached sent or further' }),
    delivered: Type.Integer({ description: 'delivered or read' }),
    read: Type.Integer(),
    clicked: Type.Integer({ description: 'messages with at least one tracked link opened' }),
    failed: Type.Integer(),
    rejected: Type.Integer(),
    refused_status: Type.String({ description: 'enqueue_failed (SMS/MMS) or enqueued_failed (WhatsApp/RCS)' }),
    refused: Type.Integer({ description: 'refused by the provider or out of time for retries' }),
    rates: Type.Object(
      {
        accepted: Rate,
        delivered: Rate,
        read: Rate,
        clicked: Rate,
        failed: Rate,
        rejected: Rate,
        refused: Rate,
      },
      { description: 'fractions (0–1, 4 decimals), null while the denominator is 0; docs/campaigns.md says which denominator each has' },
    ),
  },
  { description: 'how many messages reached each stage: a message counts for every stage up to the furthest it reached' },
);

const CampaignStats = Type.Object({
  campaign_id: Type.String(),
  state: Type.String(),
  launch_summary: Type.Union([LaunchSummary, Type.Null()]),
  messages: Type.Integer(),
  current_status: Type.Record(Type.String(), Type.Integer(), { description: 'messages per current status' }),
  events: Type.Record(Type.String(), Type.Integer(), { description: 'events recorded per status' }),
  no_report_expected: Type.Integer({ description: 'messages whose route sends no delivery reports' }),
  funnel: Funnel,
  skipped_by_reason: Type.Record(Type.String(), Type.Integer(), { description: "the launch's skipped customers by reason (unknown_customer, no_phone, opted_out, …)" }),
  failures: Type.Array(
    Type.Object({
      status: Type.String(),
      status_code: Type.Union([Type.Integer(), Type.Null()]),
      error: Type.Union([Type.String(), Type.Null()]),
      n: Type.Integer(),
    }),
    { description: 'failure events (refused, failed, rejected) by status and provider error, most frequent first' },
  ),
});

const CampaignSeries = Type.Object({
  campaign_id: Type.String(),
  interval: Type.Literal('minute'),
  from: Type.String({ description: 'start of the first minute (inclusive)' }),
  to: Type.String({ description: 'end of the range (exclusive)' }),
  statuses: Type.Array(Type.String()),
  points: Type.Array(
    Type.Object({ minute: Type.String({ description: 'start of the minute' }), counts: Type.Record(Type.String(), Type.Integer()) }),
    { description: 'one point per minute, every status in each, zeros included' },
  ),
});

const CampaignPreview = Type.Object({
  body: Type.String({ description: 'the rendered text' }),
  content: Type.Union([AnyObject, Type.Null()], { description: 'WhatsApp/RCS: the rendered content' }),
  parts: Type.Integer({ description: 'SMS parts of the rendered text' }),
  encoding: Type.String(),
  ucs2_characters: Type.Array(Type.String(), { description: 'characters of the rendered text that force UCS-2' }),
  missing_variables: Type.Array(Type.String(), { description: 'variables output empty for this customer (no value, no default filter)' }),
});

export function campaignView(c: CampaignSummary) {
  return {
    id: c.id,
    project_id: c.project_id,
    name: c.name,
    channel: c.channel,
    body: c.body,
    ...storedContent(c),
    sender_profile_id: c.sender_profile_id,
    integration_id: c.integration_id,
    sender: c.sender,
    audience: audienceView(c),
    audience_size: c.audience_size,
    state: c.state,
    send_at: c.send_at === null ? null : new Date(c.send_at).toISOString(),
    cancelled_messages: c.cancelled_messages,
    launch_summary: c.launch_summary ? (JSON.parse(c.launch_summary) as Record<string, unknown>) : null,
    created_at: new Date(c.created_at).toISOString(),
    launched_at: c.launched_at === null ? null : new Date(c.launched_at).toISOString(),
    track_links: c.track_links === null ? null : c.track_links === 1,
    missing_variable_policy: c.missing_variable_policy,
    fallback_channels: c.fallback_channels === null ? [] : (JSON.parse(c.fallback_channels) as (string | Record<string, unknown>)[]),
    fallback_body: c.fallback_body,
  };
}

const Params = Type.Object({ pid: Type.String(), cid: Type.String() });

const AudienceInput = Type.Object(
  {
    customer_ids: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: MAX_AUDIENCE_IDS, description: 'the customers, by customer_id; repeats count once' })),
    filter: Type.Optional(AudienceFilter),
  },
  { additionalProperties: false, description: 'exactly one of customer_ids and filter' },
);

const Nullable = <T extends TSchema>(t: T, description: string) => Type.Optional(Type.Union([t, Type.Null()], { description }));

/** An edit: the create's fields, each optional; null clears a route field or track_links, and unschedules. */
const CampaignEditBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    ...ContentFields,
    track_links: Nullable(Type.Boolean(), 'shorten and track links; null: the project setting'),
    integration_id: Nullable(Type.String({ maxLength: 64 }), 'null: no integration named'),
    sender_profile_id: Nullable(Type.String({ maxLength: 64 }), "null: the channel's default sender profile"),
    sender: Nullable(Type.String({ minLength: 1, maxLength: 64 }), 'null: the sender of the profile or integration'),
    missing_variable_policy: Type.Optional(MissingVariablePolicy),
    send_at: Nullable(Type.String({ maxLength: 40 }), `${SendAt.description ?? ''}: the campaign is scheduled (or moved) to then; null makes a scheduled campaign a draft again`),
    audience: Type.Optional({ ...AudienceInput, description: 'replaces the audience: exactly one of customer_ids and filter (a new list replaces the stored one whole)' }),
    fallback_channels: Nullable(FallbackChannelList, 'replaces the fallback channels; null or [] removes them and the fallback body'),
    fallback_body: Nullable(Type.String({ maxLength: 10000 }), "replaces the fallback text; null: each message's own text"),
  },
  { additionalProperties: false },
);

export const campaignRoutes = (hub: Hub): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/projects/:pid/campaigns', {
    schema: {
      tags: ['campaigns'],
      operationId: 'createCampaign',
      summary: 'Create a campaign',
      params: ProjectParams,
      body: Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 200 }),
          ...ContentFields,
          ...RouteFields,
          missing_variable_policy: Type.Optional(MissingVariablePolicy),
          send_at: Type.Optional(Type.String({ maxLength: 40, description: `${SendAt.description ?? ''}. The campaign is created scheduled and launches then.` })),
          audience: AudienceInput,
          fallback_channels: FallbackFields.fallback_channels,
          fallback_body: Type.Optional(Type.String({ maxLength: 10000, description: "the text the fallbacks send, a template like the body (rendered per recipient); default: each message's own text as sent. Needed when the campaign's message has no text (a WhatsApp template)" })),
        },
        { additionalProperties: false },
      ),
      response: { 201: Campaign, ...errorResponses },
    },
  }, async (req, reply) => {
    requireProject(req, req.params.pid);
    await getProject(hub.db, req.params.pid);
    const campaign = await createCampaign(hub.messaging, req.params.pid, req.body);
    if (campaign.state === 'scheduled') hub.scheduler.notify();
    return reply.code(201).send(campaignView(campaign));
  });

  app.get('/projects/:pid/campaigns', { schema: { tags: ['campaigns'], operationId: 'listCampaigns', summary: 'List campaigns', params: ProjectParams, response: { 200: Type.Object({ data: Type.Array(Campaign) }), ...errorResponses } } }, async (req) => {
    requireProject(req, req.params.pid);
    return { data: (await listCampaigns(hub.db, req.params.pid)).map(campaignView) };
  });

  app.get('/projects/:pid/campaigns/:cid', { schema: { tags: ['campaigns'], operationId: 'getCampaign', summary: 'Get a campaign', params: Params, response: { 200: Campaign, ...errorResponses } } }, async (req) => {
    requireProject(req, req.params.pid);
    return campaignView(await getCampaignSummary(hub.db, req.params.pid, req.params.cid));
  });

  app.patch('/projects/:pid/campaigns/:cid', {
    schema: {
      tags: ['campaigns'],
      operationId: 'editCampaign',
      summary: 'Edit a draft or scheduled campaign',
      description:
        'Changes the fields given; the others stay. Checked as a create is (a template error or a bad audience is a 400 naming the field). ' +
        'Content: body, content and media_urls replace the stored content together when any is given. send_at schedules or moves the campaign; null makes it a draft. ' +
        'Only a draft or scheduled campaign can be edited: once it is launching, launched, paused or cancelled the answer is 409. An edit and a launch at the same moment do not both happen (docs/scheduling.md).',
      params: Params,
      body: CampaignEditBody,
      response: { 200: Campaign, ...errorResponses, 409: errorResponse('the campaign can no longer be edited (code: launch_in_progress, already_launched, campaign_paused, campaign_cancelled), or it changed while the edit was checked (campaign_changed)') },
    },
  }, async (req) => {
    requireProject(req, req.params.pid);
    const campaign = await editCampaign(hub.messaging, req.params.pid, req.params.cid, req.body);
    if (campaign.state === 'scheduled') hub.scheduler.notify();
    return campaignView(campaign);
  });

  app.post('/projects/:pid/campaigns/:cid/launch', {
    schema: { tags: ['campaigns'], operationId: 'launchCampaign', summary: 'Launch a campaign', description: 'Queues one message per audience customer; answers when all are durably queued. A draft or scheduled campaign launches now (docs/scheduling.md).', params: Params, response: { 200: Campaign, ...errorResponses } },
  }, async (req) => {
    requireProject(req, req.params.pid);
    return campaignView(await hub.launch(req.params.pid, req.params.cid));
  });

  const conflicts = { 409: errorResponse('the campaign is in a state that does not allow it (code: campaign_cancelled, campaign_not_paused, campaign_not_launched, already_launched, launch_in_progress, campaign_paused; a launch: campaign_changed when it was edited meanwhile)') };

  app.post('/projects/:pid/campaigns/:cid/schedule', {
    schema: {
      tags: ['campaigns'],
      operationId: 'scheduleCampaign',
      summary: 'Schedule a campaign',
      description: 'Schedules a draft campaign, or moves a scheduled one, to launch at send_at (a past time means at once). The hub launches it then, or as soon as it is up again.',
      params: Params,
      body: Type.Object({ send_at: SendAt }, { additionalProperties: false }),
      response: { 200: Campaign, ...errorResponses, ...conflicts },
    },
  }, async (req) => {
    requireProject(req, req.params.pid);
    const campaign = await scheduleCampaign(hub.db, req.params.pid, req.params.cid, req.body.send_at);
    hub.scheduler.notify();
    return campaignView(campaign);
  });

  app.post('/projects/:pid/campaigns/:cid/pause', {
    schema: {
      tags: ['campaigns'],
      operationId: 'pauseCampaign',
      summary: 'Pause a campaign',
      description:
        'A launching or launched campaign stops: its fan-out before its next chunk, its queued messages (dispatch_state becomes paused) are not sent until it is resumed. ' +
        'A message already handed to a provider goes on. Pausing a paused campaign changes nothing.',
      params: Params,
      response: { 200: Campaign, ...errorResponses, ...conflicts },
    },
  }, async (req) => {
    requireProject(req, req.params.pid);
    return campaignView(await pauseCampaign(hub.messaging, req.params.pid, req.params.cid));
  });

  app.post('/projects/:pid/campaigns/:cid/resume', {
    schema: {
      tags: ['campaigns'],
      operationId: 'resumeCampaign',
      summary: 'Resume a paused campaign',
      description: 'Its paused messages are queued again, and a fan-out the pause interrupted runs on in the background (state launching until it is done).',
      params: Params,
      response: { 200: Campaign, ...errorResponses, ...conflicts },
    },
  }, async (req) => {
    requireProject(req, req.params.pid);
    const { campaign, relaunch } = await resumeCampaign(hub.messaging, req.params.pid, req.params.cid);
    if (relaunch) hub.continueLaunch(req.params.pid, req.params.cid);
    return campaignView(campaign);
  });

  app.post('/projects/:pid/campaigns/:cid/cancel', {
    schema: {
      tags: ['campaigns'],
      operationId: 'cancelCampaign',
      summary: 'Cancel a campaign',
      description:
        'A scheduled campaign never launches; a launching one stops fanning out; every message of it still waiting (queued, paused, or claimed but not yet sent) becomes dispatch_state cancelled ' +
        'with last_error {"reason": "campaign_cancelled"}, counted in cancelled_messages. Nothing already handed to a provider is touched. Cancelling a cancelled campaign changes nothing.',
      params: Params,
      response: { 200: Campaign, ...errorResponses, ...conflicts },
    },
  }, async (req) => {
    requireProject(req, req.params.pid);
    return campaignView(await cancelCampaign(hub.messaging, req.params.pid, req.params.cid));
  });

  app.post('/projects/:pid/campaigns/:cid/preview', {
    schema: {
      tags: ['campaigns'],
      operationId: 'previewCampaign',
      summary: "Preview a campaign's message for one customer",
      description: 'Renders the body for the customer, as the launch would, and counts its parts. Nothing is sent or counted.',
      params: Params,
      body: Type.Object({ customer_id: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false }),
      response: { 200: CampaignPreview, ...errorResponses },
    },
  }, async (req) => {
    requireProject(req, req.params.pid);
    return previewCampaign(hub.db, req.params.pid, req.params.cid, req.body.customer_id);
  });

  app.post('/projects/:pid/campaigns/:cid/test-send', {
    schema: {
      tags: ['campaigns'],
      operationId: 'testSendCampaign',
      summary: "Send a campaign's message to a test phone",
      description:
        "Renders the body for customer_id (or, without it, with every customer variable missing) and sends it to phone as a transactional message: the campaign's launch and stats are untouched.",
      params: Params,
      body: Type.Object({ phone: Phone, customer_id: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })) }, { additionalProperties: false }),
      response: { 202: Message, ...errorResponses },
    },
  }, async (req, reply) => {
    requireProject(req, req.params.pid);
    return reply.code(202).send(messageView(await testSendCampaign(hub.messaging, req.params.pid, req.params.cid, req.body)));
  });

  app.get('/projects/:pid/campaigns/:cid/estimate', {
    schema: {
      tags: ['campaigns', 'audiences'],
      operationId: 'estimateCampaignAudience',
      summary: "Estimate a campaign's audience",
      description: 'Counts the audience as a launch now would resolve it (a filter is evaluated now). Nothing is written.',
      params: Params,
      response: { 200: AudienceEstimate, ...errorResponses },
    },
  }, async (req) => {
    requireProject(req, req.params.pid);
    return estimateCampaign(hub.db, req.params.pid, req.params.cid);
  });

  app.get('/projects/:pid/campaigns/:cid/stats', { schema: { tags: ['campaigns'], operationId: 'getCampaignStats', summary: "Get a campaign's delivery statistics", params: Params, response: { 200: CampaignStats, ...errorResponses } } }, async (req) => {
    requireProject(req, req.params.pid);
    return campaignStats(hub.db, req.params.pid, req.params.cid);
  });

  app.get('/projects/:pid/campaigns/:cid/stats/series', {
    schema: {
      tags: ['campaigns'],
      operationId: 'getCampaignSeries',
      summary: "Get a campaign's events per minute",
      description: `Counts the campaign's events per minute and status in [from, to), for charts. Without to: up to the current minute; without from: from the launch (at most ${MAX_SERIES_MINUTES} minutes back).`,
      params: Params,
      querystring: Type.Object({
        from: Type.Optional(Type.String({ maxLength: 40, description: 'ISO 8601 date-time, inclusive (rounded down to the minute)' })),
        to: Type.Optional(Type.String({ maxLength: 40, description: `ISO 8601 date-time, exclusive; at most ${MAX_SERIES_MINUTES} minutes after from` })),
      }),
      response: { 200: CampaignSeries, ...errorResponses },
    },
  }, async (req) => {
    requireProject(req, req.params.pid);
    const from = timeParam(req.query.from, 'from');
    const to = timeParam(req.query.to, 'to');
    const s = await campaignSeries(hub.db, req.params.pid, req.params.cid, { ...(from !== undefined && { from }), ...(to !== undefined && { to }) });
    const iso = (ms: number) => new Date(ms).toISOString();
    return { ...s, from: iso(s.from), to: iso(s.to), points: s.points.map((p) => ({ minute: iso(p.minute), counts: p.counts })) };
  });
};
