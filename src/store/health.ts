// Whether the store answers queries, for the readiness check.
import type { DB } from './db.js';

/** Resolves when the store runs a query; rejects when it cannot. */
export async function ping(db: DB): Promise<void> {
  await db.selectFrom('projects').select('id').limit(1).execute();
}
