import assert from 'node:assert/strict';
import { test } from 'node:test';
import { actionType, REPORT_WINDOW_MS, refusedStatus, withinReportWindow, type DeliveryStatus } from '../core/status.js';
import { API_MESSAGE_STATUSES, apiStatus, eventStatus, statusRank, storedStatusFilter, transition, type MessageStatus } from './status.js';

test('status order: accepted < sent < delivered|failed|rejected < read', () => {
  assert.ok(statusRank('accepted') < statusRank('sent'));
  for (const s of ['delivered', 'failed', 'rejected'] as const) {
    assert.ok(statusRank('sent') < statusRank(s));
    assert.ok(statusRank(s) < statusRank('read'));
  }
});

const cases: [MessageStatus, DeliveryStatus, ReturnType<typeof transition>['kind'], string?][] = [
  ['accepted', 'sent', 'advance'],
  ['accepted', 'delivered', 'advance'],
  ['sent', 'delivered', 'advance'],
  ['sent', 'failed', 'advance'],
  ['sent', 'rejected', 'advance'],
  ['delivered', 'read', 'advance'],
  ['pending', 'sent', 'advance'],
  ['sent', 'sent', 'ignore', 'duplicate'],
  ['delivered', 'delivered', 'ignore', 'duplicate'],
  ['delivered', 'failed', 'ignore', 'conflict'],
  ['failed', 'delivered', 'ignore', 'conflict'],
  ['rejected', 'failed', 'ignore', 'conflict'],
  ['delivered', 'sent', 'late'],
  ['read', 'delivered', 'late'],
  ['read', 'sent', 'late'],
  ['refused', 'delivered', 'ignore', 'terminal'],
  ['refused', 'read', 'ignore', 'terminal'],
];

for (const [from, to, kind, reason] of cases) {
  test(`transition ${from} → ${to} is ${kind}${reason ? ` (${reason})` : ''}`, () => {
    const t = transition(from, to);
    assert.equal(t.kind, kind);
    if (reason) assert.equal((t as { reason: string }).reason, reason);
  });
}

test('the status never moves back whatever the order of reports', () => {
  const reports: DeliveryStatus[] = ['sent', 'delivered', 'read', 'failed', 'rejected'];
  // Every permutation of every subset, applied in order: the final rank is the max seen, and
  // never lower than any earlier state.
  const permute = (xs: DeliveryStatus[]): DeliveryStatus[][] =>
    xs.length <= 1 ? [xs] : xs.flatMap((x, i) => permute([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
  for (const order of permute(reports)) {
    let current: MessageStatus = 'accepted';
    for (const s of order) {
      const before = statusRank(current);
      if (transition(current, s).kind === 'advance') current = s;
      assert.ok(statusRank(current) >= before);
    }
    assert.equal(current, 'read');
  }
});

test('action_type reports MMS as sms; refused status spelling per channel', () => {
  assert.equal(actionType('mms'), 'sms');
  assert.equal(actionType('sms'), 'sms');
  assert.equal(actionType('whatsapp'), 'whatsapp');
  assert.equal(actionType('rcs'), 'rcs');
  assert.equal(refusedStatus('sms'), 'enqueue_failed');
  assert.equal(refusedStatus('mms'), 'enqueue_failed');
  assert.equal(refusedStatus('whatsapp'), 'enqueued_failed');
  assert.equal(refusedStatus('rcs'), 'enqueued_failed');
});

test('reports are tracked for exactly four days after dispatch', () => {
  const sent = Date.UTC(2026, 0, 1);
  assert.equal(withinReportWindow(sent, sent + REPORT_WINDOW_MS), true);
  assert.equal(withinReportWindow(sent, sent + REPORT_WINDOW_MS + 1), false);
  assert.equal(withinReportWindow(sent, sent + 1000), true);
  // Stated in calendar terms too, so the window constant itself is checked.
  assert.equal(withinReportWindow(sent, Date.UTC(2026, 0, 5)), true);
  assert.equal(withinReportWindow(sent, Date.UTC(2026, 0, 5, 0, 0, 0, 1)), false);
  assert.equal(withinReportWindow(sent, sent), true);
});

test('one refused state, spelled per channel only on events; the API says queued until a provider answers', () => {
  assert.equal(eventStatus('refused', 'sms'), 'enqueue_failed');
  assert.equal(eventStatus('refused', 'mms'), 'enqueue_failed');
  assert.equal(eventStatus('refused', 'whatsapp'), 'enqueued_failed');
  assert.equal(eventStatus('refused', 'rcs'), 'enqueued_failed');
  assert.equal(eventStatus('accepted', 'rcs'), 'enqueued');
  assert.equal(eventStatus('delivered', 'sms'), 'delivered');
  assert.equal(apiStatus('pending', 'whatsapp'), 'queued');
  assert.equal(apiStatus('accepted', 'sms'), 'enqueued');
  assert.equal(apiStatus('refused', 'whatsapp'), 'enqueued_failed');
  assert.equal(apiStatus('read', 'whatsapp'), 'read');
});

test('a status filter finds exactly the messages the API shows with that status', () => {
  const stored: MessageStatus[] = ['pending', 'accepted', 'refused', 'sent', 'delivered', 'failed', 'rejected', 'read'];
  const channels = ['sms', 'mms', 'whatsapp', 'rcs'] as const;
  for (const wanted of API_MESSAGE_STATUSES) {
    const f = storedStatusFilter(wanted);
    for (const s of stored) {
      for (const ch of channels) {
        const matches = f.status === s && (f.channels === undefined || f.channels.includes(ch));
        assert.equal(matches, apiStatus(s, ch) === wanted, `${wanted} vs stored ${s} on ${ch}`);
      }
    }
  }
});
