// What the sandbox received and the state of every batch and recipient, kept in memory.
import type { Scheduled } from '../kit/scheduler.js';
import { appendBounded } from '../kit/history.js';
import type { ReceivedRequest } from '../kit/server.js';
import type { SmsEncoding } from './segments.js';
import type { Outcome, ReportStatus, TestNumberBehaviour } from './test-numbers.js';
import type { DeliveryReportType, ParameterGroup, TextBatchRequest } from './validate.js';

/** The batch object of the API (A.5): the request echoed plus id, timestamps and `canceled`. */
export interface BatchJson {
  id: string;
  to: string[];
  from?: string;
  canceled: boolean;
  parameters?: ParameterGroup;
  body: string;
  type: 'mt_text';
  created_at: string;
  modified_at: string;
  delivery_report: DeliveryReportType;
  send_at?: string;
  expire_at: string;
  callback_url?: string;
  client_reference?: string;
  feedback_enabled: boolean;
  flash_message: boolean;
  truncate_concat?: boolean;
  max_number_of_message_parts?: number;
  from_ton?: number;
  from_npi?: number;
}

export interface RecipientState {
  /** As written in `to`. */
  recipient: string;
  /** Digits only, as Sinch reports MSISDNs. */
  msisdn: string;
  /** The body after parameter substitution. */
  body: string;
  parts: number;
  encoding: SmsEncoding;
  behaviour: TestNumberBehaviour;
  /** The final status this recipient is heading for. */
  outcome: Outcome;
  /** Whether it passes `Dispatched` on the way. */
  dispatched: boolean;
  /** False for numbers without reports (test number, or a country without DLRs). */
  reports: boolean;
  status: ReportStatus;
  code: number;
  at: string;
  operatorStatusAt?: string;
  /** The last final report sent, re-sent as is for duplicate delivery. */
  finalPayload?: Record<string, unknown>;
  timers: Scheduled[];
}

export interface StoredBatch {
  servicePlanId: string;
  batch: BatchJson;
  request: TextBatchRequest;
  received: ReceivedRequest;
  /** callback_url or the service plan's default. */
  callbackUrl?: string;
  recipients: RecipientState[];
  batchReportSent: boolean;
}

export interface BatchFilter {
  from?: string[];
  startDate?: Date;
  endDate?: Date;
  clientReference?: string;
}

export class BatchStore {
  readonly all: StoredBatch[] = [];
  private readonly byId = new Map<string, StoredBatch>();

  constructor(private readonly limit: number) {}

  add(batch: StoredBatch): void {
    this.byId.set(batch.batch.id, batch);
    for (const dropped of appendBounded(this.all, batch, this.limit)) this.byId.delete(dropped.batch.id);
  }

  get(servicePlanId: string, id: string): StoredBatch | undefined {
    const found = this.byId.get(id);
    return found?.servicePlanId === servicePlanId ? found : undefined;
  }

  /** Newest first, as the API lists them. */
  list(servicePlanId: string, filter: BatchFilter): StoredBatch[] {
    return this.all
      .filter((b) => {
        if (b.servicePlanId !== servicePlanId) return false;
        const created = new Date(b.batch.created_at);
        if (filter.startDate && created < filter.startDate) return false;
        if (filter.endDate && created >= filter.endDate) return false;
        if (filter.from && !filter.from.includes(b.batch.from ?? '')) return false;
        if (filter.clientReference !== undefined && b.batch.client_reference !== filter.clientReference) return false;
        return true;
      })
      .reverse();
  }
}
