// report-permutations: real report sequences of every provider and channel, posted in random
// orders with duplicates through the signed webhooks of a real hub. Afterwards each message must
// be where the documented order puts it, with exactly one event per status it reached.
import type { PartOptions, PartResult, TorturePart } from '../types.js';
import { prng } from '../../bench/lib/util.js';
import { signFor } from '../lib/fuzz-requests.js';
import { excerpt, FailureBook, forEachConcurrent, send } from '../lib/inputs-http.js';
import { sizeFromEnv } from '../lib/inputs-sizes.js';
import { drained, openInputsWorld, pathOf, TWILIO_FROM, type InputsWorld, type WorldIntegration } from '../lib/inputs-world.js';
import { expectedOutcome, shuffledWithDuplicates, type Canonical } from '../lib/permutations-model.js';

/** One report as the provider words it, and what docs/events.md maps it to. */
interface Report {
  word: string;
  canonical: Canonical | null;
  /** Conversation API FAILED reason / Sinch or Twilio error code. */
  reason?: string;
  code?: number;
}

interface Lane {
  name: string;
  channel: 'sms' | 'mms' | 'whatsapp' | 'rcs';
  integration: (w: InputsWorld) => WorldIntegration;
  /** Real report sequences of this provider (fixtures and status maps). */
  sequences: Report[][];
}

const S = (word: string, canonical: Canonical | null, code = 0): Report => ({ word, canonical, code });
const SINCH: Report[][] = [
  [S('Queued', null, 400), S('Dispatched', 'sent', 401), S('Delivered', 'delivered', 0)],
  [S('Dispatched', 'sent', 401), S('Failed', 'failed', 150)],
  [S('Dispatched', 'sent', 401), S('Rejected', 'rejected', 61)],
  [S('Aborted', 'rejected', 402)],
  [S('Dispatched', 'sent', 401), S('Expired', 'failed', 201), S('Delivered', 'delivered', 0)],
  [S('Queued', null, 400), S('Dispatched', 'sent', 401), S('Deleted', 'failed', 111)],
];
const TWILIO: Report[][] = [
  [S('queued', null), S('sent', 'sent'), S('delivered', 'delivered')],
  [S('queued', null), S('sending', null), S('sent', 'sent'), S('undelivered', 'failed', 30003)],
  [S('queued', null), S('failed', 'rejected', 30007)],
  [S('sent', 'sent'), S('delivered', 'delivered'), S('undelivered', 'failed', 30005)],
];
const C = (word: string, canonical: Canonical | null, reason?: string): Report => ({ word, canonical, ...(reason ? { reason } : {}) });
const CONVERSATION: Report[][] = [
  [C('QUEUED_ON_CHANNEL', 'sent'), C('DELIVERED', 'delivered'), C('READ', 'read')],
  [C('QUEUED_ON_CHANNEL', 'sent'), C('FAILED', 'failed', 'RECIPIENT_NOT_REACHABLE')],
  [C('SWITCHING_CHANNEL', null, 'RECIPIENT_NOT_REACHABLE'), C('QUEUED_ON_CHANNEL', 'sent'), C('DELIVERED', 'delivered')],
  [C('FAILED', 'rejected', 'TEMPLATE_NOT_FOUND')],
  [C('QUEUED_ON_CHANNEL', 'sent'), C('DELIVERED', 'delivered'), C('FAILED', 'failed', 'DELIVERY_TIMED_OUT'), C('READ', 'read')],
];

const LANES: Lane[] = [
  { name: 'sinch_sms signed / sms', channel: 'sms', integration: (w) => w.sinchSigned, sequences: SINCH },
  { name: 'sinch_sms unsigned / sms', channel: 'sms', integration: (w) => w.sinchUnsigned, sequences: SINCH },
  { name: 'twilio / sms', channel: 'sms', integration: (w) => w.twilio, sequences: TWILIO },
  { name: 'twilio / mms', channel: 'mms', integration: (w) => w.twilio, sequences: TWILIO },
  { name: 'sinch_conversation / whatsapp', channel: 'whatsapp', integration: (w) => w.conversation, sequences: CONVERSATION },
  { name: 'sinch_conversation / rcs', channel: 'rcs', integration: (w) => w.conversation, sequences: CONVERSATION },
];

interface Case {
  lane: Lane;
  messageId: string;
  phone: string;
  providerId: string;
  start: 'enqueued' | 'refused';
  order: Report[];
  /** What the hub stores of `order`: a report repeating earlier bytes is absorbed (null). */
  applied: (Canonical | null)[];
}

const CONCURRENCY = 16;
/** Messages per round: sent, then reported on, then checked. */
const ROUND = 1_000;

export const reportPermutations: TorturePart = {
  name: 'report-permutations',
  description:
    'Posts real report sequences of every provider and channel in random orders with duplicates through the signed webhooks of a real hub; expects statuses that never go back, one event per message and status, and refusals left alone',
  async run(opts: PartOptions): Promise<PartResult> {
    const total = sizeFromEnv('TORTURE_PERMUTATIONS', opts.smoke ? 100 : 10_000);
    const rand = prng(opts.seed);
    const w = await openInputsWorld(opts.workDir, { connections: CONCURRENCY });
    const failures = new FailureBook();
    const counts: Record<string, number> = { permutations: 0, 'reports posted': 0, 'messages checked': 0, 'refused messages reported on': 0 };
    const notes: string[] = [];
    try {
      for (let done = 0; done < total; done += ROUND) {
        const n = Math.min(ROUND, total - done);
        const cases = await sendMessages(w, n, rand, failures);
        await forEachConcurrent(cases, CONCURRENCY, async (c) => {
          const bodies = new Set<string>();
          for (const report of c.order) {
            const req = reportRequest(w, c, report, rand);
            // The same bytes again are a provider's retry: answered 200, stored once (design.md).
            c.applied.push(bodies.has(req.body) ? null : report.canonical);
            bodies.add(req.body);
            const answer = await send(w.pool, req).catch((err: Error) => ({ status: 0, text: err.message, headers: {} }));
            counts['reports posted']!++;
            if (answer.status !== 200) failures.add(`${c.lane.name}: report refused`, `${req.method} ${req.path} ${excerpt(req.body)} → ${answer.status} ${answer.text.slice(0, 200)}`);
          }
        });
        await drained(w);
        await forEachConcurrent(cases, CONCURRENCY, async (c) => {
          await check(w, c, failures);
          counts['messages checked']!++;
          if (c.start === 'refused') counts['refused messages reported on']!++;
        });
        counts['permutations']! += cases.length;
        opts.log(`${(done + n).toLocaleString('en-US')} permutations checked`);
      }
      notes.push('A duplicate is either the same bytes again (a provider retry, absorbed when stored) or the same report with another timestamp (a new callback, which must make no second event); the expected outcome is computed from docs/events.md, not from the hub.');
      for (const lane of LANES) notes.push(`${lane.name}: ${lane.sequences.length} sequences (${lane.sequences.map((s) => s.map((r) => r.word).join('→')).join(', ')})`);
    } finally {
      await w.close();
    }
    return { counts, failures: failures.lines(), notes };
  },
};

/** Sends `n` messages spread over the lanes and waits for each send outcome. */
async function sendMessages(w: InputsWorld, n: number, rand: () => number, failures: FailureBook): Promise<Case[]> {
  const pending: Omit<Case, 'providerId' | 'start' | 'applied'>[] = [];
  const plans = Array.from({ length: n }, (_, i) => {
    const lane = LANES[i % LANES.length]!;
    // One in 25 aimed at a refusal: Twilio's 21610 (sandbox number …1610), a template the app lacks.
    const refuse = rand() < 0.04 && lane.integration(w).provider !== 'sinch_sms';
    // A refusal 21610 opts the customer out: every refused message gets a number of its own.
    const phone = refuse ? refusalNumber() : `+1202555${5100 + Math.floor(rand() * 900)}`;
    const seq = lane.sequences[Math.floor(rand() * lane.sequences.length)]!;
    return { lane, phone, refuse, order: shuffledWithDuplicates(seq, rand) };
  });
  await forEachConcurrent(plans, CONCURRENCY, async (p) => {
    const integration = p.lane.integration(w);
    const body: Record<string, unknown> = { phone: p.phone, channel: p.lane.channel, integration_id: integration.id };
    if (p.lane.channel === 'sms' || p.lane.channel === 'mms') body['body'] = 'Your order shipped';
    if (p.lane.channel === 'mms') body['media_urls'] = ['https://example.com/a.png'];
    if (integration.provider === 'twilio') body['sender'] = TWILIO_FROM;
    if (integration.provider === 'sinch_conversation') {
      body['content'] = p.refuse ? { type: 'template', scope: 'omni', template_id: 'no-such-template' } : { type: 'text', text: 'Your order shipped' };
    }
    const res = await send(w.pool, { method: 'POST', path: `/api/v1/projects/${w.projectId}/messages`, headers: { authorization: `Bearer ${w.projectKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (res.status !== 202) {
      failures.add(`${p.lane.name}: send not accepted`, `${JSON.stringify(body)} → ${res.status} ${res.text.slice(0, 200)}`);
      return;
    }
    pending.push({ lane: p.lane, phone: p.phone, messageId: (JSON.parse(res.text) as { id: string }).id, order: p.order });
  });
  // Wait for every send outcome: reports are about messages a provider took (or refused).
  const byId = new Map(pending.map((c) => [c.messageId, c]));
  const outcome = new Map<string, { status: string; provider_message_id: string | null }>();
  const deadline = Date.now() + 120_000;
  while (outcome.size < byId.size && Date.now() < deadline) {
    const waiting = [...byId.keys()].filter((id) => !outcome.has(id));
    for (let i = 0; i < waiting.length; i += 500) {
      const ids = waiting.slice(i, i + 500);
      const rows = w.query<{ id: string; status: string; provider_message_id: string | null }>(
        `SELECT id, status, provider_message_id FROM messages WHERE id IN (${ids.map(() => '?').join(',')}) AND status IN ('accepted', 'refused')`,
        ...ids,
      );
      for (const r of rows) outcome.set(r.id, r);
    }
    if (outcome.size < byId.size) await new Promise((r) => setTimeout(r, 200));
  }
  const cases: Case[] = [];
  for (const [id, c] of byId) {
    const o = outcome.get(id);
    if (!o) {
      failures.add(`${c.lane.name}: no send outcome within 120 s`, id);
      continue;
    }
    cases.push({ ...c, start: o.status === 'refused' ? 'refused' : 'enqueued', providerId: o.provider_message_id ?? `unknown-${id}`, applied: [] });
  }
  return cases;
}

function reportRequest(w: InputsWorld, c: Case, r: Report, rand: () => number) {
  const integration = c.lane.integration(w);
  // A duplicate is sometimes the same bytes (a provider's retry), sometimes a new timestamp.
  const at = new Date(Date.UTC(2026, 0, 1) + Math.floor(rand() * 3) * 1000).toISOString();
  let path: string;
  let body: string;
  let contentType = 'application/json';
  if (integration.provider === 'twilio') {
    path = `${pathOf(integration.webhookUrls['status']!)}?message_id=${encodeURIComponent(c.messageId)}`;
    const params: Record<string, string> = { MessageSid: c.providerId, SmsSid: c.providerId, MessageStatus: r.word, SmsStatus: r.word, To: c.phone, From: TWILIO_FROM, AccountSid: 'AC0123456789abcdef0123456789abcdef' };
    if (r.code) params['ErrorCode'] = String(r.code);
    body = new URLSearchParams(params).toString();
    contentType = 'application/x-www-form-urlencoded';
  } else if (integration.provider === 'sinch_sms') {
    path = pathOf(integration.webhookUrls['delivery']!);
    body = JSON.stringify({ type: 'recipient_delivery_report_sms', batch_id: c.providerId, recipient: c.phone.slice(1), code: r.code ?? 0, status: r.word, at, operator_status_at: at, client_reference: c.messageId });
  } else {
    path = pathOf(integration.webhookUrls['callbacks']!);
    body = JSON.stringify({
      app_id: 'app-1',
      event_time: at,
      project_id: 'proj-1',
      message_metadata: c.messageId,
      correlation_id: c.messageId,
      message_delivery_report: {
        message_id: c.providerId,
        status: r.word,
        channel_identity: { channel: c.lane.channel === 'rcs' ? 'RCS' : 'WHATSAPP', identity: c.phone.slice(1) },
        ...(r.reason ? { reason: { code: r.reason, description: r.reason.toLowerCase() } } : {}),
        metadata: c.messageId,
      },
    });
  }
  const headers: Record<string, string> = { 'content-type': contentType };
  if (integration.secret) {
    const signed = signFor(integration.provider, integration.secret, w.url, path, body, contentType);
    path = signed.path;
    Object.assign(headers, signed.headers);
  }
  return { method: 'POST', path, headers, body };
}

async function check(w: InputsWorld, c: Case, failures: FailureBook): Promise<void> {
  const refusedEvent = c.lane.channel === 'whatsapp' || c.lane.channel === 'rcs' ? 'enqueued_failed' : 'enqueue_failed';
  const expected = expectedOutcome(c.start, refusedEvent, c.applied);
  const order = c.order.map((r, i) => (c.applied[i] === null && r.canonical !== null ? `(${r.word})` : r.word)).join('→');
  const auth = { authorization: `Bearer ${w.projectKey}` };
  const msg = await send(w.pool, { method: 'GET', path: `/api/v1/projects/${w.projectId}/messages/${c.messageId}`, headers: auth });
  const status = (JSON.parse(msg.text) as { status: string }).status;
  const want = expected.status === 'refused' ? refusedEvent : expected.status;
  if (status !== want) failures.add(`${c.lane.name}: status ${status} where the documented order gives ${want}`, `${c.messageId} after ${order}`);
  const ev = await send(w.pool, { method: 'GET', path: `/api/v1/projects/${w.projectId}/events?message_id=${c.messageId}&limit=1000`, headers: auth });
  const events = (JSON.parse(ev.text) as { data: { properties: { status: string } }[] }).data.map((e) => e.properties.status);
  const seen = new Map<string, number>();
  for (const s of events) seen.set(s, (seen.get(s) ?? 0) + 1);
  for (const [s, n] of seen) if (n > 1) failures.add(`${c.lane.name}: ${n} events with status ${s} on one message`, `${c.messageId} after ${order}: ${events.join(',')}`);
  const missing = [...expected.events].filter((s) => !seen.has(s));
  const extra = [...seen.keys()].filter((s) => !expected.events.has(s));
  if (missing.length || extra.length) {
    failures.add(
      `${c.lane.name}: events ${[...seen.keys()].sort().join(',')} where the documented rules give ${[...expected.events].sort().join(',')}`,
      `${c.messageId} (${c.start}) after ${order}`,
    );
  }
}

let refusals = 0;
/** +1 AAA EEE 1610: the Twilio sandbox refuses it with 21610; area and exchange make it unique. */
function refusalNumber(): string {
  const n = refusals++;
  const areas = ['202', '212', '312', '415', '617', '713', '305', '206'];
  return `+1${areas[n % areas.length]}${200 + (Math.floor(n / areas.length) % 800)}1610`;
}

