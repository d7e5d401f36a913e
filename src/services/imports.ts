// Bulk import jobs: the upload (streamed to a file in the data folder, never held in memory),
// the job resource, and its per-row errors. The rows are applied by imports/worker.ts.
import { createWriteStream } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DomainError, invalid, notFound } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { csvHeader } from '../imports/readers.js';
import { parseCsvHeader } from '../imports/rows.js';
import type { DB } from '../store/db.js';
import * as importStore from '../store/imports.js';
import type { ImportErrorRow } from '../store/imports.js';
import type { ImportFormat, ImportsTable } from '../store/schema.js';
import { pageOf, type ListPage } from './paging.js';

export interface ImportDeps {
  db: DB;
  /** The folder the uploads go to. */
  dir: string;
  maxBytes: number;
  /** Tells the worker there is work. */
  queued: () => void;
}

/** The upload is larger than the limit (answered 413). */
export class UploadTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`the file is larger than ${limit} bytes (IMPORT_MAX_BYTES)`);
  }
}

function capped(limit: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > limit) done(new UploadTooLarge(limit));
      else done(null, chunk);
    },
  });
}

/** Makes the file's directory entry durable. */
async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Streams the body to a file, flushes it to disk, checks a CSV header, then records the job:
 * once this returns, the import survives a crash.
 */
export async function createImport(deps: ImportDeps, projectId: string, format: ImportFormat, body: Readable): Promise<ImportsTable> {
  await mkdir(deps.dir, { recursive: true, mode: 0o700 });
  const id = newId('imp');
  const file = `${id}.${format}`;
  const path = join(deps.dir, file);
  let bytes = 0;
  try {
    await pipeline(
      body,
      capped(deps.maxBytes),
      new Transform({
        transform(chunk: Buffer, _enc, done) {
          bytes += chunk.length;
          done(null, chunk);
        },
      }),
      createWriteStream(path, { mode: 0o600, flush: true }),
    );
    await syncDir(deps.dir);
    if (bytes === 0) throw invalid('empty_file', 'the file is empty', 'body');
    let columns: string | null = null;
    let start = 0;
    let line = 0;
    if (format === 'csv') {
      const header = await csvHeader(path);
      if ('error' in header) throw invalid('invalid_header', `line 1: ${header.error}`, 'line 1');
      const parsed = parseCsvHeader(header.values);
      if (!parsed.ok) throw invalid(parsed.error.code, `line 1: ${parsed.error.message}`, parsed.error.field);
      columns = JSON.stringify(parsed.columns);
      start = header.end;
      line = header.line;
    }
    const now = Date.now();
    const row: ImportsTable = {
      id,
      project_id: projectId,
      format,
      state: 'queued',
      file,
      columns,
      bytes_total: bytes,
      bytes_processed: start,
      line,
      rows_total: null,
      rows_processed: 0,
      rows_created: 0,
      rows_updated: 0,
      rows_failed: 0,
      error: null,
      created_at: now,
      started_at: null,
      finished_at: null,
      updated_at: now,
    };
    await importStore.insert(deps.db, row);
    deps.queued();
    return row;
  } catch (err) {
    await rm(path, { force: true });
    // The client went away mid-upload: nothing was recorded, and there is nobody to answer.
    if (!(err instanceof UploadTooLarge) && !(err instanceof DomainError) && (body.readableAborted || (err as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE')) {
      throw invalid('upload_incomplete', 'the upload ended before the file was complete', 'body');
    }
    throw err;
  }
}

export async function getImport(db: DB, projectId: string, id: string): Promise<ImportsTable> {
  const job = await importStore.find(db, projectId, id);
  if (!job) throw notFound('import', 'id');
  return job;
}

export async function listImports(db: DB, projectId: string, opts: { limit: number; cursor?: string | undefined }): Promise<ListPage<ImportsTable>> {
  const rows = await importStore.list(db, projectId, { limit: opts.limit + 1, before: opts.cursor });
  return pageOf(rows, opts.limit, (last) => last.id);
}

export async function listImportErrors(db: DB, projectId: string, id: string, opts: { limit: number; after?: number | undefined }): Promise<ListPage<ImportErrorRow>> {
  await getImport(db, projectId, id);
  const rows = await importStore.listErrors(db, id, { limit: opts.limit + 1, after: opts.after });
  return pageOf(rows, opts.limit, (last) => String(last.id));
}
