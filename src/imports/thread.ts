// Starts the parse thread of an import and hands its batches over as an async iterable.
import { Worker } from 'node:worker_threads';
import type { ParsedBatch, ParseSource } from './batches.js';
import type { ThreadMessage } from './parse-thread.js';
import { ImportFileError } from './readers.js';

// The thread makes garbage fast (a few objects per row parsed), nearly all short-lived: a young
// generation of 8 MB rather than V8's default collects it as well and keeps the peak RSS of an
// import ~25 MB lower (200,000-row A/B, bench/RESULTS.md).
const LIMITS = { resourceLimits: { maxYoungGenerationSizeMb: 8 } };

function startThread(data: unknown): Worker {
  const self = import.meta.url;
  if (self.endsWith('.ts')) {
    // Run from source (tsx): the thread needs the TypeScript loader registered in it too.
    const url = new URL('./parse-thread.ts', self).href;
    return new Worker(`import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(url)}); })`, { eval: true, workerData: data, ...LIMITS });
  }
  return new Worker(new URL('./parse-thread.js', self), { workerData: data, ...LIMITS });
}

/** The batches of the file from its checkpoint; the thread ends when the iteration does. */
export async function* parsedBatches(source: ParseSource, batchRows: number): AsyncGenerator<ParsedBatch> {
  const thread = startThread({ source, batchRows });
  const queue: ThreadMessage[] = [];
  let failure: Error | null = null;
  let exited = false;
  let wake: (() => void) | null = null;
  const poke = () => wake?.();
  thread.on('message', (m: ThreadMessage) => {
    queue.push(m);
    poke();
  });
  thread.on('error', (err) => {
    failure = err;
    poke();
  });
  thread.on('exit', () => {
    exited = true;
    poke();
  });
  try {
    for (;;) {
      while (queue.length === 0 && !failure && !exited) await new Promise<void>((r) => (wake = r));
      const m = queue.shift();
      if (!m) throw failure ?? new Error('the import parse thread ended early');
      if ('error' in m) throw m.fileErrorLine === undefined ? new Error(m.error) : new ImportFileError(m.fileErrorLine, m.error);
      yield m.batch;
      if (m.batch.final) return;
      thread.postMessage('more');
    }
  } finally {
    await thread.terminate();
  }
}
