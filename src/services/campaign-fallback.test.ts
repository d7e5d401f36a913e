import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePlan, type FallbackStep } from '../messages/fallback.js';
import { messageRow } from '../store/fixtures.js';
import { planFor, type LaunchFallback } from './campaign-fallback.js';
import { parseField, profileVariables } from './personalisation.js';

const steps: FallbackStep[] = [{ channel: 'sms', integration_id: 'int_sms', sender: null, sender_profile_id: null, retry_deadline_seconds: 3600 }];
const launch = (body: string | null): LaunchFallback => ({ steps, stepsJson: JSON.stringify(steps), body: body === null ? null : parseField(body, 'fallback_body') });
const vars = () => profileVariables({ customer_id: 'c1', phone: '+12025550100', attributes: JSON.stringify({ first_name: 'Ada "the first"' }) });

test("a campaign message's plan reads back as a plan: its steps, and its own text or the fallback body rendered for it", () => {
  const row = messageRow('msg_1', { body: 'Line one\nwith "quotes" and ünïcode' });
  assert.deepEqual(parsePlan(planFor(launch(null), row, vars)), { steps, body: 'Line one\nwith "quotes" and ünïcode' });
  assert.deepEqual(parsePlan(planFor(launch('Hi {{ customer.first_name }}'), row, vars)), { steps, body: 'Hi Ada "the first"' });
});

test('a fallback body that renders empty leaves the message without a plan', () => {
  assert.equal(planFor(launch('{{ customer.nothing }}'), messageRow('msg_2'), vars), null);
});
