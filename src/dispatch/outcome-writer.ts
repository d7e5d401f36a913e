// Group commit of send outcomes: everything that finished meanwhile goes in one transaction.
import type { Channel } from '../core/status.js';
import type { Logger } from '../logger.js';
import type { BackoffPolicy } from '../messages/backoff.js';
import { recordSendResult, type SendAttemptResult, type SendTransition } from '../messages/state.js';
import type { Metrics } from '../metrics.js';
import { setConsent } from '../services/consent.js';
import { getRecentProject, settingsOf, type ProjectSettings } from '../services/projects.js';
import { isTransientConflict, type DB } from '../store/db.js';
import type { GroupCommit } from '../store/group-commit.js';
import * as attemptStore from '../store/message-attempts.js';
import type { MessagesTable } from '../store/schema.js';

/** A send attempt's result (or that its message expired unsent), to be written. */
export interface Outcome {
  message: MessagesTable;
  result: SendAttemptResult;
  /** Microseconds since the epoch when the request went out (or the message was found expired). */
  sentAtUs: number;
}

export class OutcomeWriter {
  #pending: { outcome: Outcome; done: () => void; fail: (e: unknown) => void }[] = [];
  #flushing: Promise<void> | null = null;

  constructor(
    private readonly commit: GroupCommit,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
    private readonly backoff: BackoffPolicy,
    /** Called after commit for each customer a provider refusal showed to have opted out. */
    private readonly onOptOut: (customerRef: string, channel: Channel) => void,
  ) {}

  write(outcome: Outcome): Promise<void> {
    return new Promise((done, fail) => {
      this.#pending.push({ outcome, done, fail });
      if (!this.#flushing) this.#flushing = this.#flush();
    });
  }

  async drain(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  async #flush(): Promise<void> {
    // Let outcomes that finish in the same tick join this batch.
    await new Promise((r) => setImmediate(r));
    while (this.#pending.length > 0) {
      // In message id order, the order report batches lock messages in (callbacks/message-lookup.ts):
      // on a store shared by several processes, two transactions locking the same messages in
      // opposite orders would deadlock.
      const batch = this.#pending.sort((a, b) => (a.outcome.message.id < b.outcome.message.id ? -1 : a.outcome.message.id > b.outcome.message.id ? 1 : 0));
      this.#pending = [];
      try {
        const optOuts: MessagesTable[] = [];
        const transitions: SendTransition[] = [];
        const write = () =>
          this.commit.run(async (trx) => {
            optOuts.length = 0;
            transitions.length = 0;
            const settings = new Map<string, ProjectSettings>();
            const attempts: attemptStore.NewAttempt[] = [];
            for (const { outcome } of batch) {
              const pid = outcome.message.project_id;
              let s = settings.get(pid);
              if (!s) settings.set(pid, (s = settingsOf(await getRecentProject(trx, pid))));
              const applied = await this.#apply(trx, outcome, s);
              transitions.push(applied.transition);
              if (applied.optedOut) optOuts.push(outcome.message);
              const attempt = attemptOf(outcome, applied.transition);
              if (attempt) attempts.push(attempt);
            }
            // One statement for the batch's attempts (docs/failover.md).
            await attemptStore.insertMany(trx, attempts);
          });
        // A transaction the server chose to abort for another's sake (a deadlock it broke, a
        // serialization conflict) is tried again: its outcomes would otherwise wait for a restart.
        for (let attempt = 1; ; attempt++) {
          try {
            await write();
            break;
          } catch (err) {
            if (attempt >= 3 || !isTransientConflict(err)) throw err;
          }
        }
        // Logged once committed, so a line never tells of a retry the database does not hold.
        batch.forEach(({ outcome }, i) => this.#log(outcome, transitions[i]!));
        for (const m of optOuts) this.onOptOut(m.customer_ref, m.channel);
        for (const b of batch) b.done();
      } catch (err) {
        this.logger.error({ err }, 'writing send outcomes failed');
        for (const b of batch) b.fail(err);
      }
    }
    this.#flushing = null;
  }

  /** Attempts that made a request count by what they came to; retries by message. */
  #count(integrationId: string, result: SendAttemptResult, transition: SendTransition): void {
    if (transition === 'retry') this.metrics.retries.inc({ integration_id: integrationId });
    // Expired and (un)confirmed outcomes made no send request.
    if (result.kind === 'expired' || result.kind === 'confirmed' || result.kind === 'unconfirmed') return;
    const outcome = result.kind === 'unknown' ? 'unknown' : transition;
    this.metrics.sends.inc({ integration_id: integrationId, outcome });
  }

  /**
   * A retry or a final refusal, once, at warn: what an operator looks for when messages stall.
   * Provider texts were cleaned of secrets before they got here (dispatch/sanitize.ts).
   */
  #log({ message: m, result }: Outcome, transition: SendTransition): void {
    if (transition === 'accepted') return;
    // Unconfirmed and expired outcomes were decided without a request: no attempt to count.
    const attempts = result.kind === 'unconfirmed' || result.kind === 'expired' ? m.attempts : m.attempts + 1;
    const base = { integration_id: m.integration_id, message_id: m.id, project_id: m.project_id, attempts };
    const provider = 'error' in result ? { status_code: 'statusCode' in result ? result.statusCode : null, error: result.error, comment: result.comment } : {};
    if (transition === 'retry') {
      const what = result.kind === 'unknown' || result.kind === 'unconfirmed' ? 'send outcome unknown: the provider may have it; checking before a resend' : 'send failed; will retry';
      this.logger.warn({ ...base, ...provider }, what);
    } else {
      const why = result.kind === 'expired' || result.kind === 'unconfirmed' ? 'retry deadline passed' : result.kind === 'refused' ? 'refused by the provider' : 'retries ran out';
      this.logger.warn({ ...base, ...provider }, `send refused for good: ${why}`);
    }
  }

  /** What the result did to the message, and whether the refusal showed the customer to have opted out. */
  async #apply(trx: DB, { message: m, result, sentAtUs }: Outcome, settings: ProjectSettings): Promise<{ transition: SendTransition; optedOut: boolean }> {
    const transition = await recordSendResult(trx, m, result, sentAtUs, settings, this.backoff);
    this.#count(m.integration_id, result, transition);
    if (result.kind !== 'refused' || !result.optedOut) return { transition, optedOut: false };
    // The provider knows the customer opted out (e.g. replied STOP to that sender): so do we.
    await setConsent(trx, {
      projectId: m.project_id,
      customerRef: m.customer_ref,
      channel: m.channel,
      optedOut: true,
      source: 'provider_error',
      detail: `${m.integration_id}: ${result.error} ${result.comment}`.slice(0, 500),
    });
    return { transition, optedOut: true };
  }
}

/** The attempt row of an outcome that made a request; null for the others (expired, a lookup). */
function attemptOf({ message: m, result, sentAtUs }: Outcome, transition: SendTransition): attemptStore.NewAttempt | null {
  if (result.kind === 'expired' || result.kind === 'confirmed' || result.kind === 'unconfirmed') return null;
  return {
    message_id: m.id,
    integration_id: m.integration_id,
    at: Math.floor(sentAtUs / 1000),
    outcome: result.kind === 'unknown' ? 'unknown' : transition,
    status_code: result.kind === 'accepted' ? null : result.statusCode,
    error: result.kind === 'accepted' ? null : result.error,
  };
}
