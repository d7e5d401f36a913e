// The PostgreSQL floor of webhook ingest: a Fastify app whose only route inserts each body as one
// row (`INSERT … VALUES ($1, $2)`, autocommit, so PostgreSQL flushes its WAL before the 200) through
// a pg Pool of the hub's default size. No parsing, no authentication, no processing: what
// answering a webhook only once it is committed in PostgreSQL costs by itself here.
// Environment: PORT, DATABASE_URL (a database of its own; the table is created here).
import Fastify from 'fastify';
import pg from 'pg';
import { serveBaseline } from './lib/serve.js';

// pg's own default, which the hub's pool keeps unless told otherwise.
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.PG_POOL_MAX ?? 10) });
await pool.query('create table if not exists raw_callbacks (id bigserial primary key, body bytea not null, received_at bigint not null)');

const app = Fastify({ logger: false });
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
app.post('/*', async (req, reply) => {
  await pool.query('insert into raw_callbacks (body, received_at) values ($1, $2)', [req.body as Buffer, Date.now()]);
  return reply.code(200).send();
});
await serveBaseline(app, () => pool.end());
