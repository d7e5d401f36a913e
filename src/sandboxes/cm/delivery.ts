// The life of an accepted message: Accepted (0), then its final status, reported on timers to
// the account's status report URL as the test number says (test-numbers.ts). Unlike Sinch or
// Twilio, CM takes no callback URL per message: reports go where the account is configured.
import type { Scheduler } from '../kit/scheduler.js';
import type { CallbackSender, ReportFormat, StatusReport } from './callbacks.js';
import { REPORT, type Outcome, type TestNumberBehaviour } from './test-numbers.js';

export interface Delays {
  /** From acceptance to the Accepted report. */
  acceptedMs: number;
  /** From acceptance to the final report. */
  finalMs: number;
}

export interface SentMessage {
  /** The account's product token. */
  token: string;
  to: string;
  from: string | null;
  content: string;
  reference: string | null;
  parts: number;
  encoding: string;
  behaviour: TestNumberBehaviour;
  /** The code of the last report, null before any. */
  code: number | null;
  at: string;
}

/** An operator id (MCC+MNC) for the report; the simulator has one. */
const OPERATOR = '20416';

interface Planned {
  delayMs: number;
  outcome: Outcome;
}

function plan(b: TestNumberBehaviour, delays: Delays): Planned[] {
  const early = delays.acceptedMs * b.delayFactor;
  const late = delays.finalMs * b.delayFactor;
  const accepted: Outcome = { code: REPORT.accepted };
  if (!b.accepted) return [{ delayMs: early, outcome: b.outcome }];
  if (b.reports === 'none') return [{ delayMs: early, outcome: accepted }];
  if (b.reports === 'final-first') return [{ delayMs: early, outcome: b.outcome }, { delayMs: late, outcome: accepted }];
  const final = [{ delayMs: early, outcome: accepted }, { delayMs: late, outcome: b.outcome }];
  return b.reports === 'duplicate-final' ? [...final, { delayMs: late + early, outcome: b.outcome }] : final;
}

export interface DeliveryContext {
  scheduler: Scheduler;
  sender: CallbackSender;
  delays: Delays;
  /** Where and how the account wants its reports; undefined: it has no status report URL. */
  target(token: string): { url: string; format: ReportFormat } | undefined;
}

export class DeliverySimulator {
  constructor(private readonly ctx: DeliveryContext) {}

  start(message: SentMessage): void {
    for (const event of plan(message.behaviour, this.ctx.delays)) {
      this.ctx.scheduler.after(event.delayMs, () => this.fire(message, event.outcome));
    }
  }

  private fire(message: SentMessage, outcome: Outcome): void {
    message.code = outcome.code;
    message.at = new Date().toISOString();
    const target = this.ctx.target(message.token);
    if (!target) return;
    const report: StatusReport = {
      // CM's time format: no zone, UTC.
      received: message.at.slice(0, 19),
      to: message.to,
      reference: message.reference,
      code: outcome.code,
      errorCode: outcome.errorCode ?? '',
      errorDescription: outcome.errorDescription ?? '',
      operator: OPERATOR,
    };
    void this.ctx.sender.report(target.url, report, target.format);
  }
}
