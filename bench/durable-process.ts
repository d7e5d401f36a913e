// The durable floor: a Fastify app whose only route appends each body to a file and answers 200
// once an fdatasync that covers it has finished. Bodies of one turn of the event loop share a
// flush, up to two flushes run at once on libuv's thread pool, as the hub's own WAL flushes do
// (src/store/wal.ts). No parsing, no database, no processing: what any design that answers a
// webhook only once it is on disk costs at least, on this machine's disk. Environment: PORT,
// DURABLE_FILE (the file to append to).
import { close, fdatasync, openSync, writeSync } from 'node:fs';
import { promisify } from 'node:util';
import Fastify from 'fastify';
import { serveBaseline } from './lib/serve.js';

const datasync = promisify(fdatasync);
const fd = openSync(process.env.DURABLE_FILE ?? 'durable-floor.log', 'w');
const MAX_FLUSHES = 2;

let waiting: (() => void)[] = [];
let flushes = 0;
let scheduled = false;
let position = 0;

function flushSoon(): void {
  if (scheduled || flushes >= MAX_FLUSHES || waiting.length === 0) return;
  scheduled = true;
  setImmediate(() => {
    scheduled = false;
    if (flushes >= MAX_FLUSHES || waiting.length === 0) return;
    const batch = waiting;
    waiting = [];
    flushes++;
    datasync(fd).then(
      () => {
        flushes--;
        for (const done of batch) done();
        flushSoon();
      },
      (err: unknown) => {
        process.stderr.write(`fdatasync failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  });
}

const app = Fastify({ logger: false });
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
app.post('/*', async (req, reply) => {
  const body = req.body as Buffer;
  // Written at once, as SQLite writes its WAL; only the flush is waited for off the thread.
  position += writeSync(fd, body, 0, body.length, position);
  await new Promise<void>((resolve) => {
    waiting.push(resolve);
    flushSoon();
  });
  return reply.code(200).send();
});

await serveBaseline(app, () => new Promise<void>((resolve) => close(fd, () => resolve())));
