// What the handlers of one batch of callbacks share while it is processed, in one transaction.
import type { ReportBatch } from '../messages/state.js';
import type { CanonicalUpdate } from '../providers/types.js';
import type { ProjectSettings } from '../services/projects.js';
import type { Channel } from '../core/status.js';
import type { IntegrationRegistry } from '../services/integration-registry.js';
import type { DB } from '../store/db.js';
import type { CallbackOutcome, CallbackRow, UpdateOutcome } from '../store/callbacks.js';
import type { MessageLookup } from './message-lookup.js';

/** What the processor tells the rest of the hub once a batch has committed. */
export interface ProcessorHooks {
  /** Messages were queued for this integration: auto-replies, channel fallbacks. */
  queued(integrationId: string): void;
  /** The customer opted out of the channel: drop what is claimed for them. */
  optedOut(customerRef: string, channel: Channel): void;
  /** The callback is processed (it is no longer pending). */
  processed(callback: CallbackRow): void;
}

export interface BatchContext {
  trx: DB;
  /** Runs `fn` once the batch has committed. */
  afterCommit(fn: () => void): void;
  settings(projectId: string): Promise<ProjectSettings>;
  hooks: ProcessorHooks;
  integrations: IntegrationRegistry;
  /** Messages the batch's status updates name, read up front. */
  messages: MessageLookup;
  reports: ReportBatch;
}

/** Reads and applies the callbacks of one source (an integration's webhooks, direct-send ingest). */
export interface CallbackHandler {
  /** The canonical updates a callback carries, or why it can't be read. */
  parse(trx: DB, callback: CallbackRow): Promise<CanonicalUpdate[] | Extract<CallbackOutcome, { kind: 'error' }>>;
  /** Whether its status updates name messages the hub sent (prefetched for the batch). */
  readonly namesHubMessages: boolean;
  /** Applies one update; 'defer' to try the whole callback again later. */
  apply(ctx: BatchContext, callback: CallbackRow, update: CanonicalUpdate): Promise<UpdateOutcome | 'defer'>;
}
