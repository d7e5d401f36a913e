// Webhook receipts are stored raw and durably before the provider gets its 2xx. Storing is a
// group commit: every receipt that arrives while a transaction is being written joins the next
// one, so one fsync acknowledges many webhooks.
import { sha256Hex } from '../core/crypto.js';
import type { DB } from '../store/db.js';

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

interface Pending {
  receipt: IncomingReceipt;
  at: number;
  resolve: (r: IngestResult) => void;
  reject: (e: unknown) => void;
}

export class ReceiptWriter {
  #queue: Pending[] = [];
  #writing: Promise<void> | null = null;

  constructor(
    private readonly db: DB,
    /** Called after each commit that stored something new. */
    private readonly onStored: () => void = () => {},
  ) {}

  /** Resolves once the receipt is committed, so the caller may answer 2xx. */
  write(receipt: IncomingReceipt, at = Date.now()): Promise<IngestResult> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ receipt, at, resolve, reject });
      if (!this.#writing) this.#writing = this.#drain();
    });
  }

  async #drain(): Promise<void> {
    // better-sqlite3 commits synchronously: started at once, a transaction would hold only the
    // first request of an I/O burst, and its fsync would block the others. Waiting for the end
    // of the current I/O phase lets every request that already arrived join it.
    await new Promise((r) => setImmediate(r));
    while (this.#queue.length > 0) {
      const batch = this.#queue;
      this.#queue = [];
      try {
        const results = await this.db.transaction().execute(async (trx) => {
          const out: IngestResult[] = [];
          for (const p of batch) out.push(await store(trx, p.receipt, p.at));
          return out;
        });
        batch.forEach((p, i) => p.resolve(results[i]!));
        if (results.includes('stored')) this.onStored();
      } catch (err) {
        // Nothing of the batch was committed: every caller answers an error, and the provider retries.
        for (const p of batch) p.reject(err);
      }
      await new Promise((r) => setImmediate(r));
    }
    this.#writing = null;
  }
}

async function store(trx: DB, r: IncomingReceipt, now: number): Promise<IngestResult> {
  if (r.replayKey) {
    const nonce = await trx
      .insertInto('webhook_nonces')
      .values({ integration_id: r.integrationId, nonce: r.replayKey.nonce, expires_at: r.replayKey.expiresAtMs })
      .onConflict((oc) => oc.columns(['integration_id', 'nonce']).doNothing())
      .executeTakeFirst();
    if ((nonce.numInsertedOrUpdatedRows ?? 0n) === 0n) return 'replayed';
  }
  const res = await trx
    .insertInto('receipts')
    .values({
      project_id: r.projectId,
      source: r.source ?? 'webhook',
      integration_id: r.integrationId,
      route: r.route,
      query: r.query,
      content_type: r.contentType,
      body: r.rawBody,
      body_hash: sha256Hex(Buffer.concat([Buffer.from(`${r.route}?${r.query}\n`), r.rawBody])),
      received_at: now,
      processed_at: null,
      defer_until: null,
      outcome: null,
    })
    // Providers retry callbacks they think failed: the same bytes again are stored once.
    .onConflict((oc) => oc.columns(['integration_id', 'body_hash']).doNothing())
    .executeTakeFirst();
  return (res.numInsertedOrUpdatedRows ?? 0n) > 0n ? 'stored' : 'duplicate';
}
