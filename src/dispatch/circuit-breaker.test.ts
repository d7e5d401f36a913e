import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SendAttemptResult } from '../messages/state.js';
import {
  admission,
  closedBreaker,
  failoverList,
  failoverTarget,
  faultOf,
  record,
  startProbe,
  verdictOf,
  type BreakerOptions,
  type BreakerState,
  type Fault,
  type Verdict,
} from './circuit-breaker.js';

const O: BreakerOptions = { failureThreshold: 3, coolDownMs: 100, coolDownFactor: 2, maxCoolDownMs: 300, throttleBudget: 2 };

const retry = (statusCode: number | null, extra: object = {}): SendAttemptResult => ({ kind: 'retry', statusCode, error: 'e', comment: '', ...extra });
const refused = (statusCode: number | null, extra: object = {}): SendAttemptResult => ({ kind: 'refused', statusCode, error: 'e', comment: '', ...extra });

const classifyCases: { name: string; result: SendAttemptResult; attempt: number; fault: Fault | null; verdict: Verdict }[] = [
  { name: 'accepted', result: { kind: 'accepted', providerMessageId: 'p' }, attempt: 1, fault: null, verdict: 'ok' },
  { name: 'confirmed after an unknown outcome', result: { kind: 'confirmed', providerMessageId: null }, attempt: 2, fault: null, verdict: 'ok' },
  { name: 'expired unsent', result: { kind: 'expired' }, attempt: 3, fault: null, verdict: 'neutral' },
  { name: 'lookup failed', result: { kind: 'unconfirmed', error: 'e', comment: '' }, attempt: 2, fault: null, verdict: 'neutral' },
  { name: 'no connection', result: retry(null), attempt: 1, fault: 'provider', verdict: 'provider' },
  { name: '500', result: retry(500), attempt: 1, fault: 'provider', verdict: 'provider' },
  { name: '503', result: retry(503), attempt: 1, fault: 'provider', verdict: 'provider' },
  { name: '429 within the budget', result: retry(429), attempt: 1, fault: 'provider', verdict: 'neutral' },
  { name: '429 at the budget', result: retry(429), attempt: 2, fault: 'provider', verdict: 'provider' },
  { name: '429 past the budget', result: retry(429), attempt: 5, fault: 'provider', verdict: 'provider' },
  { name: 'a retry the adapter calls the message\'s', result: retry(200, { fault: 'message' }), attempt: 1, fault: 'message', verdict: 'ok' },
  { name: 'no answer (timeout)', result: { kind: 'unknown', statusCode: null, error: 'timeout', comment: '' }, attempt: 1, fault: 'provider', verdict: 'provider' },
  { name: '401 refused', result: refused(401), attempt: 1, fault: 'provider', verdict: 'provider' },
  { name: '403 refused', result: refused(403), attempt: 1, fault: 'provider', verdict: 'provider' },
  { name: '400 refused', result: refused(400), attempt: 1, fault: 'message', verdict: 'ok' },
  { name: '404 refused', result: refused(404), attempt: 1, fault: 'message', verdict: 'ok' },
  { name: 'refused, no status', result: refused(null), attempt: 1, fault: 'message', verdict: 'ok' },
  { name: 'refused, address not allowed (adapter: provider)', result: refused(null, { fault: 'provider' }), attempt: 1, fault: 'provider', verdict: 'provider' },
  { name: 'CM account code under a 400 (adapter: provider)', result: refused(400, { fault: 'provider' }), attempt: 1, fault: 'provider', verdict: 'provider' },
  { name: 'CM message code under a 401 (adapter: message)', result: refused(401, { fault: 'message' }), attempt: 1, fault: 'message', verdict: 'ok' },
  { name: 'opted out under a 403', result: refused(403, { optedOut: true }), attempt: 1, fault: 'message', verdict: 'ok' },
  { name: 'unreachable on the channel', result: refused(400, { unreachable: true }), attempt: 1, fault: 'message', verdict: 'ok' },
];

for (const c of classifyCases) {
  test(`classify: ${c.name} → fault ${String(c.fault)}, verdict ${c.verdict}`, () => {
    assert.equal(faultOf(c.result), c.fault);
    assert.equal(verdictOf(c.result, c.attempt, O), c.verdict);
  });
}

type Step =
  | { at: number; admit: 'send' | 'probe' | 'reroute' }
  | { at: number; result: Verdict; startedAt?: number; probe?: boolean; change?: 'opened' | 'reopened' | 'closed' | null; state?: BreakerState['state'] };

/** Runs the steps; `admit` steps that say probe start one, as the sender does. */
function run(steps: Step[]): void {
  let b = closedBreaker(O);
  for (const [i, s] of steps.entries()) {
    if ('admit' in s) {
      const got = admission(b, s.at);
      assert.equal(got, s.admit, `step ${i}: admission at ${s.at}`);
      if (got === 'probe') b = startProbe(b);
      continue;
    }
    const r = record(b, s.result, { startedAt: s.startedAt ?? s.at, probe: s.probe ?? false, now: s.at }, O);
    assert.equal(r.change, s.change ?? null, `step ${i}: change`);
    if (s.state) assert.equal(r.breaker.state, s.state, `step ${i}: state`);
    b = r.breaker;
  }
}

const breakerCases: { name: string; steps: Step[] }[] = [
  {
    name: 'a run of provider faults opens it; messages are rerouted until the cool-down ends',
    steps: [
      { at: 0, admit: 'send' },
      { at: 1, result: 'provider' },
      { at: 2, result: 'provider', state: 'closed' },
      { at: 3, result: 'provider', change: 'opened', state: 'open' },
      { at: 4, admit: 'reroute' },
      { at: 102, admit: 'reroute' },
      { at: 103, admit: 'probe' },
      // One probe at a time: the others are rerouted meanwhile.
      { at: 104, admit: 'reroute' },
      { at: 110, result: 'ok', startedAt: 103, probe: true, change: 'closed', state: 'closed' },
      { at: 111, admit: 'send' },
    ],
  },
  {
    name: 'a success between faults breaks the run',
    steps: [
      { at: 1, result: 'provider' },
      { at: 2, result: 'provider' },
      { at: 3, result: 'ok' },
      { at: 4, result: 'provider' },
      { at: 5, result: 'provider', state: 'closed' },
      { at: 6, admit: 'send' },
    ],
  },
  {
    name: 'neutral results neither count nor break the run',
    steps: [
      { at: 1, result: 'provider' },
      { at: 2, result: 'neutral' },
      { at: 3, result: 'provider' },
      { at: 4, result: 'neutral' },
      { at: 5, result: 'provider', change: 'opened' },
    ],
  },
  {
    name: 'failed probes grow the cool-down, up to its maximum',
    steps: [
      { at: 1, result: 'provider' },
      { at: 2, result: 'provider' },
      { at: 3, result: 'provider', change: 'opened' },
      { at: 103, admit: 'probe' },
      { at: 105, result: 'provider', probe: true, startedAt: 103, change: 'reopened', state: 'open' },
      // 200 now.
      { at: 304, admit: 'reroute' },
      { at: 305, admit: 'probe' },
      { at: 306, result: 'provider', probe: true, startedAt: 305, change: 'reopened' },
      // 400 capped at 300.
      { at: 605, admit: 'reroute' },
      { at: 606, admit: 'probe' },
      { at: 607, result: 'ok', probe: true, startedAt: 606, change: 'closed' },
      // Closed again: the cool-down starts from the beginning.
      { at: 610, result: 'provider' },
      { at: 611, result: 'provider' },
      { at: 612, result: 'provider', change: 'opened' },
      { at: 712, admit: 'probe' },
    ],
  },
  {
    name: 'results of sends begun before it opened do not move it; a later success closes it',
    steps: [
      { at: 1, result: 'provider' },
      { at: 2, result: 'provider' },
      { at: 10, result: 'provider', change: 'opened' },
      { at: 11, result: 'ok', startedAt: 5, state: 'open' },
      { at: 12, result: 'provider', startedAt: 5, state: 'open' },
      // Sent while open (nowhere to reroute it) and taken: the provider works.
      { at: 20, result: 'ok', startedAt: 15, change: 'closed', state: 'closed' },
    ],
  },
  {
    name: 'a fault of a non-probe while open changes nothing',
    steps: [
      { at: 1, result: 'provider' },
      { at: 2, result: 'provider' },
      { at: 3, result: 'provider', change: 'opened' },
      { at: 50, result: 'provider', startedAt: 40 },
      { at: 103, admit: 'probe' },
    ],
  },
  {
    name: 'a probe that says nothing (a 429 within budget) lets the next message probe',
    steps: [
      { at: 1, result: 'provider' },
      { at: 2, result: 'provider' },
      { at: 3, result: 'provider', change: 'opened' },
      { at: 103, admit: 'probe' },
      { at: 104, result: 'neutral', probe: true, startedAt: 103, state: 'half_open' },
      { at: 105, admit: 'probe' },
      { at: 106, result: 'ok', probe: true, startedAt: 105, change: 'closed' },
    ],
  },
];

for (const c of breakerCases) test(`breaker: ${c.name}`, () => run(c.steps));

const targetCases: { name: string; list: string[]; from: string; open: string[]; expected: string | null }[] = [
  { name: 'the next one', list: ['a', 'b', 'c'], from: 'a', open: ['a'], expected: 'b' },
  { name: 'past an open one', list: ['a', 'b', 'c'], from: 'a', open: ['a', 'b'], expected: 'c' },
  { name: 'every other open', list: ['a', 'b', 'c'], from: 'a', open: ['a', 'b', 'c'], expected: null },
  { name: 'a backup failing goes back to the default', list: ['a', 'b', 'c'], from: 'b', open: ['b'], expected: 'a' },
  { name: 'not in the list', list: ['a', 'b'], from: 'x', open: ['x'], expected: null },
  { name: 'a list of one', list: ['a'], from: 'a', open: ['a'], expected: null },
];

for (const c of targetCases) {
  test(`target: ${c.name}`, () => {
    assert.equal(failoverTarget(c.list, c.from, (id) => c.open.includes(id)), c.expected);
  });
}

test('the list: the default first, each once', () => {
  assert.deepEqual(failoverList('a', ['b', 'a', 'c', 'b']), ['a', 'b', 'c']);
  assert.deepEqual(failoverList(null, ['b']), ['b']);
  assert.deepEqual(failoverList('a', undefined), ['a']);
});
