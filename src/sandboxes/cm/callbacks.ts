// Status reports and incoming messages as CM.com posts them (docs/providers/cm.md D.6, D.7):
// unsigned, JSON (or XML for status reports when the account asks for it), re-sent on any
// answer other than 2xx (CM keeps trying for up to 7 days; the simulator doubles its delay from
// `retryBaseMs` for `maxAttempts` tries).
import { RetryingCallbackSender, type CallbackAttemptBase, type SenderPolicy } from '../kit/callback-sender.js';
import type { Scheduler } from '../kit/scheduler.js';

export type CallbackKind = 'status_report' | 'incoming_message';
export type ReportFormat = 'json' | 'xml';

export interface CallbackAttempt extends CallbackAttemptBase {
  kind: CallbackKind;
  url: string;
  /** The reference of the message a status report is about. */
  reference?: string | null;
}

export interface StatusReport {
  received: string;
  to: string;
  reference: string | null;
  code: number;
  errorCode: string;
  errorDescription: string;
  operator: string;
}

export function isRetryable(status: number | null): boolean {
  return status === null || status < 200 || status >= 300;
}

/** CM's JSON report template (D.6): every value a string. */
export function jsonReport(r: StatusReport): string {
  return JSON.stringify({
    messages: {
      msg: {
        received: r.received,
        to: r.to,
        reference: r.reference ?? '',
        status: { code: String(r.code), errorCode: r.errorCode, errorDescription: r.errorDescription },
        operator: r.operator,
      },
    },
  });
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** CM's XML report template (D.6). */
export function xmlReport(r: StatusReport): string {
  return (
    `<?xml version="1.0" encoding="utf-8"?><MESSAGES><MSG RECEIVED="${escapeXml(r.received)}">` +
    `<TO>${escapeXml(r.to)}</TO><REFERENCE>${escapeXml(r.reference ?? '')}</REFERENCE>` +
    `<STATUS><CODE>${r.code}</CODE><ERRORCODE>${escapeXml(r.errorCode)}</ERRORCODE>` +
    `<ERRORDESCRIPTION>${escapeXml(r.errorDescription)}</ERRORDESCRIPTION></STATUS></MSG></MESSAGES>`
  );
}

export class CallbackSender extends RetryingCallbackSender<CallbackAttempt> {
  constructor(
    scheduler: Scheduler,
    policy: Omit<SenderPolicy, 'isRetryable'>,
    private readonly maxAttempts: number,
  ) {
    super(scheduler, { ...policy, isRetryable });
  }

  report(url: string, report: StatusReport, format: ReportFormat): Promise<CallbackAttempt> {
    const body = format === 'xml' ? xmlReport(report) : jsonReport(report);
    const contentType = format === 'xml' ? 'application/xml' : 'application/json';
    return this.deliver({
      url,
      body,
      maxAttempts: this.maxAttempts,
      headers: () => ({ 'content-type': contentType }),
      describe: () => ({ kind: 'status_report', url, reference: report.reference }),
    });
  }

  incoming(url: string, payload: Record<string, unknown>): Promise<CallbackAttempt> {
    return this.deliver({
      url,
      body: JSON.stringify(payload),
      maxAttempts: this.maxAttempts,
      headers: () => ({ 'content-type': 'application/json' }),
      describe: () => ({ kind: 'incoming_message', url }),
    });
  }
}
