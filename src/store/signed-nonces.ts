// Nonces of signed callbacks, kept until their signature would have expired anyway: a second
// callback with the same nonce from the same signer is a replay.
import type { DB } from './db.js';
import { prepared } from './prepared.js';
import type { CallbackSource } from './schema.js';

const insertStatement = prepared<{ source: CallbackSource; signer_id: string; nonce: string; expires_at: number }>((db, p) =>
  db
    .insertInto('signed_nonces')
    .values({ source: p.source, signer_id: p.signer_id, nonce: p.nonce, expires_at: p.expires_at })
    .onConflict((oc) => oc.columns(['source', 'signer_id', 'nonce']).doNothing()),
);

/** Keeps the nonce; false when it was kept already (a replay). */
export async function claim(db: DB, n: { source: CallbackSource; signerId: string; nonce: string; expiresAt: number }): Promise<boolean> {
  return (await insertStatement.changes(db, { source: n.source, signer_id: n.signerId, nonce: n.nonce, expires_at: n.expiresAt })) > 0;
}

/** Forgets nonces that expired before `now`. */
export async function sweep(db: DB, now: number): Promise<void> {
  await db.deleteFrom('signed_nonces').where('expires_at', '<', now).execute();
}
