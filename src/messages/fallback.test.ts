import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DeliveryStatus } from '../core/status.js';
import { chooseFallback, decideFallback, parsePlan, type FailureSignal, type FallbackPlan, type FallbackStep } from './fallback.js';
import { transition, type MessageStatus } from './status.js';

const step = (channel: FallbackStep['channel']): FallbackStep => ({ channel, integration_id: `int_${channel}`, sender: null, sender_profile_id: null, retry_deadline_seconds: 60 });
const plan: FallbackPlan = { steps: [step('rcs'), step('sms')], body: 'Your code is 1234' };
const unreachable = (status: DeliveryStatus): FailureSignal => ({ kind: 'report', status, unreachable: true });
const reachable = (status: DeliveryStatus): FailureSignal => ({ kind: 'report', status, unreachable: false });

test('decideFallback: one signal against the status before it', () => {
  const cases: [string, MessageStatus, FailureSignal, FallbackPlan | null, string][] = [
    ['unreachable failed after sent', 'sent', unreachable('failed'), plan, 'fallback'],
    ['unreachable rejected before any sent', 'accepted', unreachable('rejected'), plan, 'fallback'],
    ['unreachable failed with no plan', 'sent', unreachable('failed'), null, 'no_fallback'],
    ['unreachable failed, plan used up', 'sent', unreachable('failed'), { steps: [], body: 'x' }, 'no_fallback'],
    ['a failure for another reason', 'sent', reachable('failed'), plan, 'reachable'],
    ['a rejection for another reason', 'accepted', reachable('rejected'), plan, 'reachable'],
    ['failed after delivered (conflict)', 'delivered', unreachable('failed'), plan, 'not_applied'],
    ['failed after read', 'read', unreachable('failed'), plan, 'not_applied'],
    ['failed twice (duplicate)', 'failed', unreachable('failed'), plan, 'not_applied'],
    ['rejected after failed (conflict)', 'failed', unreachable('rejected'), plan, 'not_applied'],
    ['a late sent after failed', 'failed', reachable('sent'), plan, 'not_applied'],
    ['delivered after failed', 'failed', reachable('delivered'), plan, 'not_applied'],
    ['a report after a refusal', 'refused', unreachable('failed'), plan, 'not_applied'],
    ['delivered', 'sent', reachable('delivered'), plan, 'not_a_failure'],
    ['sent', 'accepted', reachable('sent'), plan, 'not_a_failure'],
    ['refusal of the send, unreachable', 'pending', { kind: 'refused', unreachable: true }, plan, 'fallback'],
    ['refusal of the send, for another reason', 'pending', { kind: 'refused', unreachable: false }, plan, 'reachable'],
    ['refusal of a message refused already', 'refused', { kind: 'refused', unreachable: true }, plan, 'not_applied'],
    ['refusal after delivered', 'delivered', { kind: 'refused', unreachable: true }, plan, 'not_applied'],
  ];
  for (const [name, current, signal, p, expected] of cases) {
    const d = decideFallback(current, signal, p);
    assert.equal(d.kind === 'fallback' ? 'fallback' : d.reason, expected, name);
  }
});

/** Applies reports in order as the report batch does: the status moves only on an advance. */
function run(reports: FailureSignal[], start: MessageStatus = 'accepted'): { status: MessageStatus; fallbacks: number } {
  let status = start;
  let fallbacks = 0;
  for (const r of reports) {
    if (decideFallback(status, r, plan).kind === 'fallback') fallbacks++;
    if (r.kind === 'refused') status = 'refused';
    else if (transition(status, r.status).kind === 'advance') status = r.status;
  }
  return { status, fallbacks };
}

test('decideFallback: sequences of reports, reordered and duplicated, fall back at most once and never after delivered', () => {
  const sent = reachable('sent');
  const failed = unreachable('failed');
  const delivered = reachable('delivered');
  const read = reachable('read');
  const cases: [string, FailureSignal[], number, MessageStatus][] = [
    ['sent, failed', [sent, failed], 1, 'failed'],
    ['failed, sent (late sent)', [failed, sent], 1, 'failed'],
    ['sent, failed, failed (duplicate)', [sent, failed, failed], 1, 'failed'],
    ['failed, failed, sent', [failed, failed, sent], 1, 'failed'],
    ['sent, delivered, failed (late failure)', [sent, delivered, failed], 0, 'delivered'],
    ['delivered, failed, sent', [delivered, failed, sent], 0, 'delivered'],
    ['failed, delivered (delivered after failed)', [failed, delivered], 1, 'failed'],
    ['read, delivered, sent, failed', [read, delivered, sent, failed], 0, 'read'],
    ['sent, reachable failure, unreachable failure', [sent, reachable('failed'), failed], 0, 'failed'],
    ['rejected then failed', [unreachable('rejected'), failed], 1, 'rejected'],
  ];
  for (const [name, reports, fallbacks, status] of cases) assert.deepEqual(run(reports), { status, fallbacks }, name);
});

test('chooseFallback: the first channel the customer has not opted out of', () => {
  const steps = [step('whatsapp'), step('rcs'), step('sms')];
  assert.deepEqual(chooseFallback(steps, () => false), { step: steps[0], rest: steps.slice(1), skipped: [] });
  assert.deepEqual(chooseFallback(steps, (c) => c === 'whatsapp'), { step: steps[1], rest: [steps[2]], skipped: [{ channel: 'whatsapp', reason: 'opted_out' }] });
  assert.deepEqual(chooseFallback(steps, (c) => c !== 'sms'), { step: steps[2], rest: [], skipped: [{ channel: 'whatsapp', reason: 'opted_out' }, { channel: 'rcs', reason: 'opted_out' }] });
  assert.deepEqual(chooseFallback(steps, () => true).step, null);
  assert.deepEqual(chooseFallback([], () => false), { step: null, rest: [], skipped: [] });
});

test('parsePlan: a stored plan, or null for none or an unreadable one', () => {
  assert.deepEqual(parsePlan(JSON.stringify(plan)), plan);
  assert.equal(parsePlan(null), null);
  assert.equal(parsePlan('{'), null);
  assert.equal(parsePlan('{"steps":"sms"}'), null);
});
