// An import file read from its checkpoint and cut into batches of parsed rows and row errors,
// each with the checkpoint past it, then packed for writing (pack.ts). Runs in the parse thread
// (parse-thread.ts).
import { Packer, type PackedCustomers } from './pack.js';
import { csvRecords, ndjsonLines, type Item } from './readers.js';
import { parseCsvRecord, parseNdjsonLine, type ColumnSpec, type RowResult } from './rows.js';

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
  /** The batch's rows packed per customer (pack.ts). */
  customers: PackedCustomers;
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
  const packer = new Packer();
  let rows = 0;
  let errors: RowErrorAt[] = [];
  let end = s.start;
  let line = s.line;
  let from = s.start;
  for await (const item of s.format === 'csv' ? csvRows(s) : ndjsonRows(s)) {
    if (item.kind === 'error') {
      errors.push({ line: item.line, field: null, code: item.code, message: item.message });
      continue;
    }
    const r = item.value;
    if (r.ok) {
      packer.add(r.row);
      rows++;
    } else errors.push({ line: item.line, field: r.error.field ?? null, code: r.error.code, message: r.error.message });
    end = item.end;
    line = item.last;
    // Cut only right after a row: an error after the checkpoint would be reported again on resume.
    if (rows + errors.length >= batchRows || end - from >= BATCH_BYTES) {
      yield { customers: packer.take(), errors, end, line, final: false };
      from = end;
      rows = 0;
      errors = [];
    }
  }
  yield { customers: packer.take(), errors, end, line, final: true };
}
