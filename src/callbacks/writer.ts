// Callbacks are stored raw and durably before the provider gets its 2xx, through the hub's group
// commit: one flush acknowledges every callback of an event-loop turn. Repeats of recent
// callbacks are recognised by content and not stored again (recent-digests.ts). A source that is
// far behind gets no more until processing catches up (pending.ts). On PostgreSQL, where each
// statement is a round trip, the unsigned callbacks that arrive together go in as one statement.
import { sha256Hex } from '../core/crypto.js';
import type { DB } from '../store/db.js';
import type { GroupCommit } from '../store/group-commit.js';
import * as callbackStore from '../store/callbacks.js';
import type { CallbackRow, NewCallback } from '../store/callbacks.js';
import type { CallbackSource } from '../store/schema.js';
import * as nonceStore from '../store/signed-nonces.js';
import { TurnBatch } from '../util/turn-batch.js';
import { PendingCallbacks, sourceKey } from './pending.js';
import { callbackDigest, RecentDigests } from './recent-digests.js';

/** Who a callback is for: an integration's webhook, or a project's direct-send ingest. */
export type CallbackOrigin = { source: 'webhook'; projectId: string; integrationId: string } | { source: 'ingest_sinch'; projectId: string };

export type IncomingCallback = CallbackOrigin & {
  endpoint: string;
  query: string;
  contentType: string | null;
  rawBody: Buffer;
  /** A signed callback's nonce, kept until it expires: the same nonce again is a replay. */
  replayKey?: { nonce: string; expiresAtMs: number };
};

/**
 * stored: new; duplicate: the same bytes were stored recently; replayed: a signed nonce seen
 * before; too_many_pending: not stored, the source has too much waiting to be processed.
 */
export type IngestResult = 'stored' | 'duplicate' | 'replayed' | 'too_many_pending';

/** Whose secret signs the origin's callbacks, and so the scope of its nonces and dedup. */
function signerOf(o: { source: CallbackSource; projectId: string; integrationId?: string | null }): string {
  return o.source === 'webhook' ? o.integrationId! : o.projectId;
}

/** Stores callbacks (each its id, or null for content stored already) in one statement. */
export type StoreTogether = (rows: NewCallback[]) => Promise<(number | null)[]>;

/** The stored row, or why nothing was stored. */
type Outcome = CallbackRow | 'duplicate' | 'replayed';

/** An unsigned callback waiting for its batch. */
interface Unsigned {
  callback: IncomingCallback;
  bodyHash: string;
  at: number;
  digest: string;
}

export class CallbackWriter {
  /** Callbacks being stored, by digest: the same bytes arriving meanwhile wait for the outcome. */
  readonly #storing = new Map<string, Promise<unknown>>();
  readonly #together: TurnBatch<Unsigned, Outcome> | null;

  constructor(
    private readonly commit: GroupCommit,
    /** Called with each callback that was new, once it is committed and flushed. */
    private readonly onStored: (row: CallbackRow) => void = () => {},
    private readonly recent = new RecentDigests(),
    /** What each source has pending; processing tells it through `processed`. */
    readonly pending = new PendingCallbacks(),
    /**
     * Given (PostgreSQL), unsigned callbacks are stored in batches through it instead of one
     * group-commit job each. A signed one's nonce and row still go in a transaction of their own.
     */
    storeTogether: StoreTogether | null = null,
  ) {
    // Two batches in flight; what arrives meanwhile waits and goes into the next. Each waiting
    // callback holds a provider's connection open, so the batches grow with the load, not the waits.
    this.#together = storeTogether ? new TurnBatch((items) => this.#storeBatch(storeTogether, items), { inFlight: 2, maxItems: 500 }) : null;
  }

  /**
   * Remembers the most recent stored callbacks, so repeats are recognised across a restart, and
   * what each source has pending.
   */
  async remember(db: DB): Promise<void> {
    const rows = await callbackStore.recentDigests(db, this.recent.capacity);
    for (let i = rows.length - 1; i >= 0; i--) {
      const r = rows[i]!;
      this.recent.add(callbackDigest(sourceKey({ source: r.source, projectId: r.project_id, integrationId: r.integration_id }), r.body_hash));
    }
    for (const p of await callbackStore.pendingBySource(db)) {
      this.pending.seed(sourceKey({ source: p.source, projectId: p.project_id, integrationId: p.integration_id }), p.count, p.bytes);
    }
  }

  /** Takes the pending counts afresh from the store (see PendingCallbacks.resync). */
  async resyncPending(db: DB): Promise<void> {
    const totals = await callbackStore.pendingBySource(db);
    this.pending.resync(totals.map((p) => ({ key: sourceKey({ source: p.source, projectId: p.project_id, integrationId: p.integration_id }), count: p.count, bytes: p.bytes })));
  }

  /** A stored callback was processed: its source has one fewer pending. */
  processed(row: Pick<CallbackRow, 'source' | 'project_id' | 'integration_id' | 'body'>): void {
    this.pending.release(sourceKey({ source: row.source, projectId: row.project_id, integrationId: row.integration_id }), row.body.length);
  }

  /** Resolves once the callback is committed, so the caller may answer 2xx. */
  async write(callback: IncomingCallback, at = Date.now()): Promise<IngestResult> {
    const bodyHash = sha256Hex(Buffer.concat([Buffer.from(`${callback.endpoint}?${callback.query}\n`), callback.rawBody]));
    const source = sourceKey(callback);
    const digest = callbackDigest(source, bodyHash);
    // The same bytes are being stored right now: decide once that is done.
    const earlier = this.#storing.get(digest);
    if (earlier) await earlier.catch(() => {});
    // A signed callback goes through the store either way: its nonce must be checked and kept.
    if (!callback.replayKey && this.recent.has(digest)) return 'duplicate';
    // Refused before the store: a signed callback's nonce is not claimed, so its retry is taken.
    if (!this.pending.reserve(source, callback.rawBody.length)) return 'too_many_pending';
    // Unsigned, it is one insert (or one row of a batch's); signed, the nonce's insert and the
    // callback's go together.
    const storing =
      this.#together && !callback.replayKey
        ? this.#together.add({ callback, bodyHash, at, digest })
        : this.commit.run((trx) => store(trx, callback, bodyHash, at, () => this.recent.has(digest)), { oneStatement: !callback.replayKey });
    this.#storing.set(digest, storing);
    let stored = false;
    try {
      const result = await storing;
      if (typeof result === 'string') return result;
      stored = true;
      this.recent.add(digest);
      this.onStored(result);
      return 'stored';
    } finally {
      if (!stored) this.pending.release(source, callback.rawBody.length);
      if (this.#storing.get(digest) === storing) this.#storing.delete(digest);
    }
  }

  /** Waits for the batches in flight. */
  async close(): Promise<void> {
    await this.#together?.drained();
  }

  async #storeBatch(storeTogether: StoreTogether, items: Unsigned[]): Promise<PromiseSettledResult<Outcome>[]> {
    // Stored since it was queued: decided now, as a job of the group commit decides when it runs.
    const fresh = items.filter((u) => !this.recent.has(u.digest));
    const rows = fresh.map((u) => rowOf(u.callback, u.bodyHash, u.at));
    let ids: (number | null)[];
    try {
      ids = await storeTogether(rows);
    } catch {
      // One bad row must not fail the others: each is tried on its own, and fails alone.
      return Promise.allSettled(items.map((u) => this.commit.run((trx) => store(trx, u.callback, u.bodyHash, u.at, () => this.recent.has(u.digest)), { oneStatement: true })));
    }
    const stored = new Map(fresh.map((u, i) => [u, ids[i] == null ? null : { ...rows[i]!, id: ids[i] }]));
    return items.map((u) => ({ status: 'fulfilled', value: stored.get(u) ?? 'duplicate' }));
  }
}

function rowOf(r: IncomingCallback, bodyHash: string, now: number): Omit<CallbackRow, 'id'> {
  return {
    project_id: r.projectId,
    source: r.source,
    integration_id: r.source === 'webhook' ? r.integrationId : null,
    endpoint: r.endpoint,
    query: r.query,
    content_type: r.contentType,
    body: r.rawBody,
    body_hash: bodyHash,
    received_at: now,
    processed_at: null,
    defer_until: null,
    outcome: null,
  };
}

async function store(trx: DB, r: IncomingCallback, bodyHash: string, now: number, seen: () => boolean): Promise<Outcome> {
  if (r.replayKey) {
    const fresh = await nonceStore.claim(trx, { source: r.source, signerId: signerOf(r), nonce: r.replayKey.nonce, expiresAt: r.replayKey.expiresAtMs });
    if (!fresh) return 'replayed';
  }
  // Providers resend callbacks they think failed: the same bytes again are stored once.
  if (seen()) return 'duplicate';
  const row = rowOf(r, bodyHash, now);
  // Stored already, by another process or before the memory of recent digests reaches back.
  const id = await callbackStore.insertUnlessStored(trx, row);
  if (id === null) return 'duplicate';
  return { ...row, id };
}
