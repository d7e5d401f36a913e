// The baseline: a bare Fastify app whose only route answers 200 to any POST (JSON bodies are
// parsed, as Fastify does by default). Environment: PORT.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.post('/*', async (_req, reply) => reply.code(200).send());
const port = Number(process.env.PORT ?? 0);
await app.listen({ port, host: '127.0.0.1' });
const address = app.server.address();
const actual = typeof address === 'object' && address ? address.port : port;
process.stdout.write(`BENCH_READY ${JSON.stringify({ url: `http://127.0.0.1:${actual}`, pid: process.pid })}\n`);

const shutdown = async () => {
  await app.close();
  process.exit(0);
};
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
