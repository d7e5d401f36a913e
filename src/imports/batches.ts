// An import file read from its checkpoint and cut into batches of parsed rows and row errors,
// each with the checkpoint past it, then packed for writing (pack.ts). Runs in the parse thread
// (parse-thread.ts).
import { packRows, type PackedCustomers } from './pack.js';
import { csvRecords, ndjsonLines, type Item } from './readers.js';
import { parseCsvRecord, parseNdjsonLine, type ColumnSpec, type ImportRow, type RowResult } from './rows.js';

export interface ParseSource {
  path: string;
  format: 'csv' | 'ndjson';
  /** JSON of the CSV column specs. */
  columns: string | null;
  /** The checkpoint: the byte offset to start at and the line before it. */
  start: number;
  line: number;
}

export interface RowErrorAt {
  line: number;
  field: string | null;
  code: string;
  message: string;
}

export interface ParsedBatch {
  rows: ImportRow[];
  errors: RowErrorAt[];
  /** The checkpoint past the batch (the last batch: past its last row; the file's end is the caller's). */
  end: number;
  line: number;
  final: boolean;
}

async function* csvRows(s: ParseSource): AsyncGenerator<Item<RowResult>> {
  const columns = JSON.parse(s.columns ?? '[]') as ColumnSpec[];
  for await (const item of csvRecords(s.path, s.start, s.line)) yield item.kind === 'row' ? { ...item, value: parseCsvRecord(columns, item.value) } : item;
}

async function* ndjsonRows(s: ParseSource): AsyncGenerator<Item<RowResult>> {
  for await (const item of ndjsonLines(s.path, s.start, s.line)) yield item.kind === 'row' ? { ...item, value: parseNdjsonLine(item.value) } : item;
}

/** A batch is also cut at this many bytes of the file, so wide rows keep it small. */
export const BATCH_BYTES = 4 * 1024 * 1024;

export async function* batches(s: ParseSource, batchRows: number): AsyncGenerator<ParsedBatch> {
  let batch: ParsedBatch = { rows: [], errors: [], end: s.start, line: s.line, final: false };
  let from = s.start;
  for await (const item of s.format === 'csv' ? csvRows(s) : ndjsonRows(s)) {
    if (item.kind === 'error') {
      batch.errors.push({ line: item.line, field: null, code: item.code, message: item.message });
      continue;
    }
    const r = item.value;
    if (r.ok) batch.rows.push(r.row);
    else batch.errors.push({ line: item.line, field: r.error.field ?? null, code: r.error.code, message: r.error.message });
    batch.end = item.end;
    batch.line = item.last;
    // Cut only right after a row: an error after the checkpoint would be reported again on resume.
    if (batch.rows.length + batch.errors.length >= batchRows || batch.end - from >= BATCH_BYTES) {
      yield batch;
      from = batch.end;
      batch = { rows: [], errors: [], end: batch.end, line: batch.line, final: false };
    }
  }
  yield { ...batch, final: true };
}

/** A batch as the main thread writes it: its rows packed per customer. */
export interface PackedBatch {
  customers: PackedCustomers;
  errors: RowErrorAt[];
  end: number;
  line: number;
  final: boolean;
}

export async function* packedBatches(s: ParseSource, batchRows: number): AsyncGenerator<PackedBatch> {
  for await (const b of batches(s, batchRows)) yield { customers: packRows(b.rows), errors: b.errors, end: b.end, line: b.line, final: b.final };
}
