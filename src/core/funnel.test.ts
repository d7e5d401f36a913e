import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fillSeries, funnel, minuteBuckets, rate, skippedByReason, type CurrentCounts, type Reach } from './funnel.js';

test('rate: 4 decimals, null without a denominator', () => {
  const cases: [number, number, number | null][] = [
    [1, 3, 0.3333],
    [2, 3, 0.6667],
    [0, 5, 0],
    [5, 5, 1],
    [0, 0, null],
    [3, -1, null],
  ];
  for (const [part, whole, want] of cases) assert.equal(rate(part, whole), want, `${part}/${whole}`);
});

test('skippedByReason takes the skipped_ counts of a launch summary', () => {
  assert.deepEqual(skippedByReason(null), {});
  assert.deepEqual(
    skippedByReason({ audience: 9, queued: 4, skipped_no_phone: 2, skipped_opted_out: 3, missing_variables: { a: 1 }, skipped_weird: 'x' }),
    { no_phone: 2, opted_out: 3 },
  );
});

const current = (over: Partial<CurrentCounts> = {}): CurrentCounts => ({ messages: 10, waiting: 0, cancelled: 0, refused: 0, failed: 0, rejected: 0, accepted_without_reports: 0, ...over });
const reach = (over: Partial<Reach> = {}): Reach => ({ accepted: 10, sent: 10, delivered: 10, read: 0, clicked: 0, ...over });

test('funnel rates, each over its own denominator', () => {
  const cases: { name: string; channel: 'sms' | 'whatsapp'; current: CurrentCounts; reach: Reach; want: Record<string, number | null> }[] = [
    {
      name: 'all delivered',
      channel: 'sms',
      current: current(),
      reach: reach(),
      want: { accepted: 1, delivered: 1, read: null, clicked: 0, failed: 0, rejected: 0, refused: 0 },
    },
    {
      name: 'routes without reports leave the delivery denominator',
      channel: 'sms',
      current: current({ accepted_without_reports: 6 }),
      reach: reach({ sent: 4, delivered: 2 }),
      want: { accepted: 1, delivered: 0.5, read: null, clicked: 0, failed: 0, rejected: 0, refused: 0 },
    },
    {
      name: 'refusals count against the messages, failures against the accepted',
      channel: 'sms',
      current: current({ refused: 2, failed: 2, rejected: 1 }),
      reach: reach({ accepted: 8, sent: 8, delivered: 5, clicked: 2 }),
      want: { accepted: 0.8, delivered: 0.625, read: null, clicked: 0.25, failed: 0.25, rejected: 0.125, refused: 0.2 },
    },
    {
      name: 'read rate over the delivered, on WhatsApp',
      channel: 'whatsapp',
      current: current(),
      reach: reach({ delivered: 8, read: 2 }),
      want: { accepted: 1, delivered: 0.8, read: 0.25, clicked: 0, failed: 0, rejected: 0, refused: 0 },
    },
    {
      name: 'nothing sent yet: no rates',
      channel: 'whatsapp',
      current: current({ messages: 0 }),
      reach: reach({ accepted: 0, sent: 0, delivered: 0 }),
      want: { accepted: null, delivered: null, read: null, clicked: null, failed: null, rejected: null, refused: null },
    },
  ];
  for (const c of cases) assert.deepEqual(funnel(c.channel, 12, { no_phone: 2 }, c.current, c.reach).rates, c.want, c.name);
});

test('funnel counts and the refused status spelled per channel', () => {
  const f = funnel('rcs', 15, { no_phone: 2, opted_out: 3 }, current({ waiting: 1, cancelled: 2, refused: 1 }), reach({ accepted: 8, sent: 7, delivered: 6, read: 3, clicked: 1 }));
  const { rates: _rates, ...counts } = f;
  assert.deepEqual(counts, {
    audience: 15, skipped: 5, messages: 10, waiting: 1, cancelled: 2, accepted: 8, sent: 7, delivered: 6, read: 3, clicked: 1,
    failed: 0, rejected: 0, refused_status: 'enqueued_failed', refused: 1,
  });
  assert.equal(funnel('mms', 1, {}, current(), reach()).refused_status, 'enqueue_failed');
});

test('minuteBuckets: aligned to the minute, end exclusive, bounded', () => {
  const t = Date.parse('2026-12-04T10:00:00Z');
  assert.deepEqual(minuteBuckets(t + 30_000, t + 180_000, 100), [t, t + 60_000, t + 120_000]);
  assert.deepEqual(minuteBuckets(t, t + 60_000, 100), [t]);
  assert.deepEqual(minuteBuckets(t, t, 100), []);
  assert.equal(minuteBuckets(t, t + 3_600_000, 10).length, 10);
});

test('fillSeries: every minute and status present, unknown minutes and statuses left out', () => {
  const t = 1_800_000_000_000 - (1_800_000_000_000 % 60_000);
  const points = fillSeries([t, t + 60_000], ['sent', 'delivered'], [
    { minute: t, status: 'sent', n: 3 },
    { minute: t + 60_000, status: 'delivered', n: 2 },
    { minute: t + 120_000, status: 'sent', n: 9 },
    { minute: t, status: 'clicked', n: 4 },
  ]);
  assert.deepEqual(points, [
    { minute: t, counts: { sent: 3, delivered: 0 } },
    { minute: t + 60_000, counts: { sent: 0, delivered: 2 } },
  ]);
});
