// CM.com's codes as data (docs/providers/cm.md D.4, D.6): the send answer's `errorCode` and the
// status report's `status.code`, each with where it comes from.
import type { DeliveryStatus } from '../../core/status.js';

/**
 * Whose problem a refused or failed send request is. `message`: this message (a bad number,
 * body, sender; spam or blacklist filters) — another message may go through. `account`: the
 * product token or the account (authentication, balance) — no message will go through until an
 * admin acts; failover work treats these as provider faults. `transient`: CM's side, retried.
 */
export type CmFault = 'message' | 'account' | 'transient';

export interface CmRequestCode {
  /** The SDK's name (CM.Text TextClientStatusCode). */
  name: string;
  fault: CmFault;
  note?: string;
}

/** Request-level `errorCode`, from CM's .NET SDK `CM.Text/TextClientStatusCode.cs`. */
export const CM_REQUEST_CODES: Readonly<Record<number, CmRequestCode>> = {
  101: { name: 'AuthenticationFailed', fault: 'account' },
  102: { name: 'BalanceInsufficient', fault: 'account' },
  103: { name: 'ApiKeyIncorrect', fault: 'account' },
  201: { name: 'NotAllSent', fault: 'message', note: 'judgement: with one message per request, that message was refused; its own messageErrorCode says why' },
  202: { name: 'RequestMalformed', fault: 'message' },
  203: { name: 'MsgArrayIncorrect', fault: 'message' },
  301: { name: 'FromFieldInvalid', fault: 'message' },
  302: { name: 'ToFieldInvalid', fault: 'message' },
  303: { name: 'MsisdnInvalid', fault: 'message' },
  304: { name: 'BodyFieldInvalid', fault: 'message' },
  305: { name: 'FieldInvalid', fault: 'message' },
  401: { name: 'SpamFiltered', fault: 'message' },
  402: { name: 'BlackListed', fault: 'message' },
  403: { name: 'Rejected', fault: 'message' },
  500: { name: 'InternalServerError', fault: 'transient' },
  999: { name: 'Unknown', fault: 'transient', note: 'judgement: CM could not say what went wrong; retrying within the deadline is the cautious reading' },
};

/** The entry of a request code; codes outside the table read as their class (1xx account, 2xx–4xx message, else transient). */
export function requestCode(code: number): CmRequestCode {
  const known = CM_REQUEST_CODES[code];
  if (known) return known;
  const fault: CmFault = code >= 100 && code < 200 ? 'account' : code >= 200 && code < 500 ? 'message' : 'transient';
  return { name: `Code${code}`, fault };
}

export interface CmReportStatus {
  /** The status name CM's help page uses. */
  name: string;
  /** The hub status; null: no event. */
  status: DeliveryStatus | null;
  /** Whether the report is about a problem (its errorCode/errorDescription are kept). */
  problem: boolean;
  source: string;
}

const SOURCE =
  'name: cm.com/help/3308; number: a third-party integration (endroid/cm-sms StatusCode.php), not confirmed by CM (docs/providers/cm.md D.6)';

/**
 * Status report `status.code` → hub status. CM's help page names the statuses (Accepted,
 * Rejected, Delivered, Failed, Cancelled, Sent) but numbers none; the numbers below come from one
 * third-party integration, not from CM, as docs/providers/cm.md says. A code not here is ignored
 * (kept raw, no event), as other adapters treat unknown statuses.
 */
export const CM_REPORT_CODES: Readonly<Record<string, CmReportStatus>> = {
  // Accepted by the operator: the network has it, the handset not yet.
  '0': { name: 'Accepted', status: 'sent', problem: false, source: SOURCE },
  '1': { name: 'Rejected', status: 'rejected', problem: true, source: SOURCE },
  '2': { name: 'Delivered', status: 'delivered', problem: false, source: SOURCE },
  '3': { name: 'Failed', status: 'failed', problem: true, source: SOURCE },
};

/** The entry of a report code, or undefined for one the table does not know. */
export function reportCode(code: string): CmReportStatus | undefined {
  const c = code.trim();
  return Object.hasOwn(CM_REPORT_CODES, c) ? CM_REPORT_CODES[c] : undefined;
}
