// The parse thread of an import: reads, validates and packs rows (CSV parsing, phone validation,
// typing and serialising attributes: most of an import's CPU) off the hub's main thread, which
// only writes them. Batches go to the parent one ahead of the one it is writing, so memory stays
// bounded.
import { parentPort, workerData } from 'node:worker_threads';
import { batches, type ParseSource } from './batches.js';
import { ImportFileError } from './readers.js';

export type ThreadMessage = { batch: import('./batches.js').ParsedBatch } | { error: string; fileErrorLine?: number };

const { source, batchRows } = workerData as { source: ParseSource; batchRows: number };
let credit = 1;
let wake: (() => void) | null = null;
parentPort!.on('message', () => {
  credit++;
  wake?.();
});

try {
  for await (const batch of batches(source, batchRows)) {
    while (credit === 0) await new Promise<void>((r) => (wake = r));
    credit--;
    parentPort!.postMessage({ batch } satisfies ThreadMessage);
  }
} catch (err) {
  parentPort!.postMessage({
    error: err instanceof Error ? err.message : String(err),
    ...(err instanceof ImportFileError && { fileErrorLine: err.line }),
  } satisfies ThreadMessage);
}
parentPort!.close();
