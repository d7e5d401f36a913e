// The baseline: a bare Fastify app whose only route answers 200 to any POST (JSON bodies are
// parsed, as Fastify does by default). Environment: PORT.
import Fastify from 'fastify';
import { serveBaseline } from './lib/serve.js';

const app = Fastify({ logger: false });
app.post('/*', async (_req, reply) => reply.code(200).send());
await serveBaseline(app);
