import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Hub } from '../../hub.js';
import { createImport, getImport, listImportErrors, listImports, UploadTooLarge, type ImportDeps } from '../../services/imports.js';
import { getProject } from '../../services/projects.js';
import type { ImportErrorRow } from '../../store/imports.js';
import type { ImportFormat, ImportsTable } from '../../store/schema.js';
import { sendError } from '../errors.js';
import { requireProject } from './auth.js';
import { errorResponse, errorResponses, Page, PageQuery, pageLimit, pageView, ProjectParams } from './schemas.js';
import { invalid } from '../../core/errors.js';

const FORMATS: Record<string, ImportFormat> = { 'text/csv': 'csv', 'application/x-ndjson': 'ndjson' };

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const Import = Type.Object({
  id: Type.String(),
  format: Type.Union([Type.Literal('csv'), Type.Literal('ndjson')]),
  state: Type.Union([Type.Literal('queued'), Type.Literal('running'), Type.Literal('done'), Type.Literal('failed')]),
  bytes_total: Type.Integer(),
  bytes_processed: Type.Integer({ description: 'bytes of the file whose rows are committed' }),
  line: Type.Integer({ description: 'the last line of the file whose row is committed: every row up to it landed or is in the errors' }),
  rows_total: Nullable(Type.Integer({ description: 'known once the import is done' })),
  rows_processed: Type.Integer(),
  rows_created: Type.Integer(),
  rows_updated: Type.Integer(),
  rows_failed: Type.Integer(),
  error: Nullable(Type.String({ description: 'why the import failed as a whole' })),
  created_at: Type.String(),
  started_at: Nullable(Type.String()),
  finished_at: Nullable(Type.String()),
});

const ImportError = Type.Object({
  line: Type.Integer(),
  field: Nullable(Type.String()),
  code: Type.String(),
  message: Type.String(),
});

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function importView(j: ImportsTable) {
  return {
    id: j.id,
    format: j.format,
    state: j.state,
    bytes_total: j.bytes_total,
    bytes_processed: j.bytes_processed,
    line: j.line,
    rows_total: j.rows_total,
    rows_processed: j.rows_processed,
    rows_created: j.rows_created,
    rows_updated: j.rows_updated,
    rows_failed: j.rows_failed,
    error: j.error,
    created_at: iso(j.created_at)!,
    started_at: iso(j.started_at),
    finished_at: iso(j.finished_at),
  };
}

const errorView = (e: ImportErrorRow) => ({ line: e.line, field: e.field, code: e.code, message: e.message });

const Params = Type.Object({ pid: Type.String({ maxLength: 64 }), id: Type.String({ maxLength: 64 }) });

export const importRoutes = (hub: Hub): FastifyPluginAsyncTypebox => async (app) => {
  // The file is streamed by the handler: the parser leaves the body unread.
  app.addContentTypeParser(Object.keys(FORMATS), (_req, _payload, done) => done(null, ''));
  const deps: ImportDeps = { db: hub.db, dir: hub.imports.dir, maxBytes: hub.config.importMaxBytes, queued: () => hub.imports.notify() };
  const file = Type.String({ format: 'binary' });

  app.post('/projects/:pid/imports', {
    schema: {
      tags: ['imports'],
      operationId: 'createImport',
      summary: 'Import customers from a CSV or NDJSON file',
      description:
        'The file is the request body (Content-Type text/csv or application/x-ndjson), streamed to disk; 202 once it is stored, ' +
        'then rows are upserted by customer_id in the background. CSV: a header with customer_id, optionally phone, and attribute ' +
        'columns (`name` or `name:number|boolean|json|string`). NDJSON: one {customer_id, phone?, attributes?} object per line. ' +
        'Per-row errors are at GET …/imports/{id}/errors. See docs/customer-data.md.',
      params: ProjectParams,
      body: { content: { 'text/csv': { schema: file }, 'application/x-ndjson': { schema: file } } },
      response: {
        202: Import,
        ...errorResponses,
        413: errorResponse('the file is larger than IMPORT_MAX_BYTES'),
        415: errorResponse('the Content-Type is neither text/csv nor application/x-ndjson'),
      },
    },
  }, async (req, reply) => {
    requireProject(req, req.params.pid);
    await getProject(hub.db, req.params.pid);
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const format = FORMATS[type];
    if (!format) return sendError(reply, 415, 'unsupported_media_type', 'send the file with Content-Type text/csv or application/x-ndjson');
    const declared = Number(req.headers['content-length']);
    try {
      if (declared > deps.maxBytes) throw new UploadTooLarge(deps.maxBytes);
      const job = await createImport(deps, req.params.pid, format, req.raw);
      return reply.code(202).header('location', `/api/v1/projects/${req.params.pid}/imports/${job.id}`).send(importView(job));
    } catch (err) {
      if (!(err instanceof UploadTooLarge)) throw err;
      // The rest of the body is not read: the connection cannot be reused.
      reply.header('connection', 'close');
      return sendError(reply, 413, 'file_too_large', err.message, 'body');
    }
  });

  app.get('/projects/:pid/imports', {
    schema: { tags: ['imports'], operationId: 'listImports', summary: 'List imports', description: 'Newest first.', params: ProjectParams, querystring: Type.Object(PageQuery), response: { 200: Page(Import), ...errorResponses } },
  }, async (req) => {
    requireProject(req, req.params.pid);
    await getProject(hub.db, req.params.pid);
    return pageView(await listImports(hub.db, req.params.pid, { limit: pageLimit(req.query.limit), cursor: req.query.cursor }), importView);
  });

  app.get('/projects/:pid/imports/:id', {
    schema: { tags: ['imports'], operationId: 'getImport', summary: 'Get an import and its progress', params: Params, response: { 200: Import, ...errorResponses } },
  }, async (req) => {
    requireProject(req, req.params.pid);
    return importView(await getImport(hub.db, req.params.pid, req.params.id));
  });

  app.get('/projects/:pid/imports/:id/errors', {
    schema: {
      tags: ['imports'],
      operationId: 'listImportErrors',
      summary: "List an import's row errors",
      description: 'In file order: the line of each refused row, the field at fault when one is, a code and a message.',
      params: Params,
      querystring: Type.Object(PageQuery),
      response: { 200: Page(ImportError), ...errorResponses },
    },
  }, async (req) => {
    requireProject(req, req.params.pid);
    const cursor = req.query.cursor;
    if (cursor !== undefined && !/^\d{1,15}$/.test(cursor)) throw invalid('invalid_request', 'cursor must be the next_cursor of a previous page', 'cursor');
    return pageView(await listImportErrors(hub.db, req.params.pid, req.params.id, { limit: pageLimit(req.query.limit), after: cursor === undefined ? undefined : Number(cursor) }), errorView);
  });
};
