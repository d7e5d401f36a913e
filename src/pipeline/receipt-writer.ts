// Webhook receipts are stored raw and durably before the provider gets its 2xx, through the
// hub's group commit: one flush acknowledges every webhook of an event-loop turn. Repeats of
// recent receipts are recognised by content and not stored again (recent-digests.ts).
import { sha256Hex } from '../core/crypto.js';
import type { DB } from '../store/db.js';
import type { GroupCommit } from '../store/group-commit.js';
import { prepared } from '../store/prepared.js';
import type { ReceiptsTable } from '../store/schema.js';
import type { ReceiptRow } from './receipt-queue.js';
import { receiptDigest, RecentDigests } from './recent-digests.js';

export interface IncomingReceipt {
  projectId: string;
  source?: 'webhook' | 'ingest_sinch';
  integrationId: string;
  route: string;
  query: string;
  contentType: string | null;
  rawBody: Buffer;
  replayKey?: { nonce: string; expiresAtMs: number };
}

/** stored: new; duplicate: the same bytes were stored recently; replayed: a signed nonce seen before. */
export type IngestResult = 'stored' | 'duplicate' | 'replayed';

export class ReceiptWriter {
  /** Receipts being stored, by digest: the same bytes arriving meanwhile wait for the outcome. */
  readonly #storing = new Map<string, Promise<unknown>>();

  constructor(
    private readonly commit: GroupCommit,
    /** Called with each receipt that was new, once it is committed and flushed. */
    private readonly onStored: (row: ReceiptRow) => void = () => {},
    private readonly recent = new RecentDigests(),
  ) {}

  /** Remembers the most recent stored receipts, so repeats are recognised across a restart. */
  async remember(db: DB): Promise<void> {
    const rows = await db.selectFrom('receipts').select(['integration_id', 'body_hash']).orderBy('id', 'desc').limit(this.recent.capacity).execute();
    for (let i = rows.length - 1; i >= 0; i--) this.recent.add(receiptDigest(rows[i]!.integration_id, rows[i]!.body_hash));
  }

  /** Resolves once the receipt is committed, so the caller may answer 2xx. */
  async write(receipt: IncomingReceipt, at = Date.now()): Promise<IngestResult> {
    const bodyHash = sha256Hex(Buffer.concat([Buffer.from(`${receipt.route}?${receipt.query}\n`), receipt.rawBody]));
    const digest = receiptDigest(receipt.integrationId, bodyHash);
    // The same bytes are being stored right now: decide once that is done.
    const earlier = this.#storing.get(digest);
    if (earlier) await earlier.catch(() => {});
    // A signed callback goes through the store either way: its nonce must be checked and kept.
    if (!receipt.replayKey && this.recent.has(digest)) return 'duplicate';
    // Unsigned, it is one insert; signed, the nonce's insert and the receipt's go together.
    const storing = this.commit.run((trx) => store(trx, receipt, bodyHash, at, () => this.recent.has(digest)), { oneStatement: !receipt.replayKey });
    this.#storing.set(digest, storing);
    try {
      const result = await storing;
      if (typeof result === 'string') return result;
      this.recent.add(digest);
      this.onStored(result);
      return 'stored';
    } finally {
      if (this.#storing.get(digest) === storing) this.#storing.delete(digest);
    }
  }
}

const insertNonce = prepared<{ integration_id: string; nonce: string; expires_at: number }>((db, p) =>
  db
    .insertInto('webhook_nonces')
    .values({ integration_id: p.integration_id, nonce: p.nonce, expires_at: p.expires_at })
    .onConflict((oc) => oc.columns(['integration_id', 'nonce']).doNothing()),
);

type NewReceipt = Pick<ReceiptsTable, 'project_id' | 'source' | 'integration_id' | 'route' | 'query' | 'content_type' | 'body' | 'body_hash' | 'received_at'>;

const insertReceipt = prepared<NewReceipt, { id: number }>((db, p) =>
  db
    .insertInto('receipts')
    .values({
      project_id: p.project_id,
      source: p.source,
      integration_id: p.integration_id,
      route: p.route,
      query: p.query,
      content_type: p.content_type,
      body: p.body,
      body_hash: p.body_hash,
      received_at: p.received_at,
      processed_at: null,
      defer_until: null,
      outcome: null,
    })
    .returning('id'),
);

/** The stored row, or why nothing was stored. */
async function store(trx: DB, r: IncomingReceipt, bodyHash: string, now: number, seen: () => boolean): Promise<ReceiptRow | 'duplicate' | 'replayed'> {
  if (r.replayKey) {
    const fresh = await insertNonce.changes(trx, { integration_id: r.integrationId, nonce: r.replayKey.nonce, expires_at: r.replayKey.expiresAtMs });
    if (fresh === 0) return 'replayed';
  }
  // Providers resend callbacks they think failed: the same bytes again are stored once.
  if (seen()) return 'duplicate';
  const row: Omit<ReceiptRow, 'id'> = {
    project_id: r.projectId,
    source: r.source ?? 'webhook',
    integration_id: r.integrationId,
    route: r.route,
    query: r.query,
    content_type: r.contentType,
    body: r.rawBody,
    body_hash: bodyHash,
    received_at: now,
    processed_at: null,
    defer_until: null,
    outcome: null,
  };
  const inserted = await insertReceipt.first(trx, row);
  return { ...row, id: Number(inserted!.id) };
}
