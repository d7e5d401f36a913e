// A message's send attempts with their integrations, as the API shows them (docs/failover.md).
import type { DB } from '../store/db.js';
import * as attemptStore from '../store/message-attempts.js';
import type { AttemptOutcome } from '../store/schema.js';

export interface AttemptView {
  integration_id: string;
  /** ISO 8601: when the request went out, or when the message moved. */
  at: string;
  outcome: AttemptOutcome;
  status_code: number | null;
  error: string | null;
}

export async function listAttempts(db: DB, messageId: string): Promise<AttemptView[]> {
  const rows = await attemptStore.listForMessage(db, messageId);
  return rows.map((a) => ({
    integration_id: a.integration_id,
    at: new Date(Number(a.at)).toISOString(),
    outcome: a.outcome,
    status_code: a.status_code === null ? null : Number(a.status_code),
    error: a.error,
  }));
}
