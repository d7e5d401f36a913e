// Bounded inspection logs (requests, messages, callback attempts), shared by every sandbox so a
// long-running one stays small.

/** Appends to a log kept to its newest `limit` entries; returns what was dropped. */
export function appendBounded<T>(log: T[], entry: T, limit: number): T[] {
  log.push(entry);
  return log.length > limit ? log.splice(0, log.length - limit) : [];
}
