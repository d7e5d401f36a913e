// Webhook receipts are stored raw and durably before the provider gets its 2xx, through the
// hub's group commit: one fsync acknowledges every webhook of an event-loop turn.
import { sha256Hex } from '../core/crypto.js';
import type { DB } from '../store/db.js';
import type { GroupCommit } from '../store/group-commit.js';
import { prepared } from '../store/prepared.js';
import type { ReceiptsTable } from '../store/schema.js';

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

/** stored: new; duplicate: the same bytes were stored before; replayed: a signed nonce seen before. */
export type IngestResult = 'stored' | 'duplicate' | 'replayed';

export class ReceiptWriter {
  constructor(
    private readonly commit: GroupCommit,
    /** Called after the commit of a receipt that was new. */
    private readonly onStored: () => void = () => {},
  ) {}

  /** Resolves once the receipt is committed, so the caller may answer 2xx. */
  async write(receipt: IncomingReceipt, at = Date.now()): Promise<IngestResult> {
    const result = await this.commit.run((trx) => store(trx, receipt, at));
    if (result === 'stored') this.onStored();
    return result;
  }
}

const insertNonce = prepared<{ integration_id: string; nonce: string; expires_at: number }>((db, p) =>
  db
    .insertInto('webhook_nonces')
    .values({ integration_id: p.integration_id, nonce: p.nonce, expires_at: p.expires_at })
    .onConflict((oc) => oc.columns(['integration_id', 'nonce']).doNothing()),
);

type NewReceipt = Pick<ReceiptsTable, 'project_id' | 'source' | 'integration_id' | 'route' | 'query' | 'content_type' | 'body' | 'body_hash' | 'received_at'>;

const insertReceipt = prepared<NewReceipt>((db, p) =>
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
    // Providers retry callbacks they think failed: the same bytes again are stored once.
    .onConflict((oc) => oc.columns(['integration_id', 'body_hash']).doNothing()),
);

async function store(trx: DB, r: IncomingReceipt, now: number): Promise<IngestResult> {
  if (r.replayKey) {
    const fresh = await insertNonce.changes(trx, { integration_id: r.integrationId, nonce: r.replayKey.nonce, expires_at: r.replayKey.expiresAtMs });
    if (fresh === 0) return 'replayed';
  }
  const inserted = await insertReceipt.changes(trx, {
    project_id: r.projectId,
    source: r.source ?? 'webhook',
    integration_id: r.integrationId,
    route: r.route,
    query: r.query,
    content_type: r.contentType,
    body: r.rawBody,
    body_hash: sha256Hex(Buffer.concat([Buffer.from(`${r.route}?${r.query}\n`), r.rawBody])),
    received_at: now,
  });
  return inserted > 0 ? 'stored' : 'duplicate';
}
