// The shared end of the baseline processes (bare-process.ts, durable-process.ts): listen on PORT,
// tell the bench where, and close cleanly when it stops them.
import type { FastifyInstance } from 'fastify';

export async function serveBaseline(app: FastifyInstance, onClose: () => void | Promise<void> = () => {}): Promise<void> {
  const port = Number(process.env.PORT ?? 0);
  await app.listen({ port, host: '127.0.0.1' });
  const address = app.server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  process.stdout.write(`BENCH_READY ${JSON.stringify({ url: `http://127.0.0.1:${actual}`, pid: process.pid })}\n`);
  const shutdown = async () => {
    await app.close();
    await onClose();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
}
