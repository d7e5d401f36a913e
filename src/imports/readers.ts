// Streaming readers of an import file from a checkpoint (a byte offset and the line number
// before it): records come out one at a time with the line they start on and the byte offset
// just past them, so a batch can commit exactly where the next one starts. The file is read in
// small chunks; a record longer than MAX_RECORD_BYTES is reported, never buffered whole.
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { parse, type CsvError } from 'csv-parse';

export const MAX_RECORD_BYTES = 64 * 1024;
/**
 * Past this the CSV parser gives up on a record, and loses its place in the file with it: the
 * import stops there (ImportFileError) rather than guess which rows follow.
 */
export const MAX_CSV_PARSER_RECORD_BYTES = 1024 * 1024;

/** The file cannot be read on from here; the rows before `line` are all accounted for. */
export class ImportFileError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
    this.name = 'ImportFileError';
  }
}

export type Item<T> =
  /** `line`: where the record starts; `last`: the last line it covers; `end`: the byte offset past it. */
  | { kind: 'row'; line: number; last: number; end: number; value: T }
  | { kind: 'error'; line: number; code: string; message: string };

function csvParser() {
  return parse({
    info: true,
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    record_delimiter: ['\r\n', '\n'],
    max_record_size: MAX_CSV_PARSER_RECORD_BYTES,
  });
}

interface CsvInfo {
  bytes: number;
  lines: number;
}

function newlinesIn(values: readonly string[]): number {
  let n = 0;
  for (const v of values) if (v.includes('\n')) n += v.split('\n').length - 1;
  return n;
}

/** CSV records after `start` bytes (`line` lines), as arrays of strings. */
export async function* csvRecords(path: string, start: number, line: number): AsyncGenerator<Item<string[]>> {
  const parser = csvParser();
  const skipped: Item<string[]>[] = [];
  const state: { fatal: ImportFileError | null } = { fatal: null };
  parser.on('skip', (err: CsvError) => {
    const at = line + Number((err as unknown as CsvInfo).lines ?? 0);
    if (err.code === 'CSV_MAX_RECORD_SIZE') state.fatal ??= new ImportFileError(at, `line ${at}: a CSV record is larger than ${MAX_CSV_PARSER_RECORD_BYTES} bytes (an unclosed quote?)`);
    else skipped.push({ kind: 'error', line: at, code: 'invalid_csv', message: err.message.replace(/ at line \d+/, '') });
  });
  const done = pipeline(createReadStream(path, { start }), parser);
  done.catch(() => undefined); // rethrown below once the records are read
  let previousEnd = 0;
  // The last line a yielded row or error covers. After a malformed record the parser may swallow
  // the lines up to where it finds its feet again: the next error covers them all, so every line
  // is either in a row or in an error.
  let covered = line;
  const coverError = (e: Item<string[]>): Item<string[]> => {
    const from = Math.min(covered + 1, e.line);
    const span = e.line > from ? `lines ${from} to ${e.line}: ` : '';
    covered = Math.max(covered, e.line);
    return e.kind === 'error' ? { ...e, line: from, message: span + e.message } : e;
  };
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: CsvInfo }>) {
    const first = line + info.lines - newlinesIn(record);
    if (state.fatal && first >= state.fatal.line) throw state.fatal;
    while (skipped.length > 0 && skipped[0]!.line < first) yield coverError(skipped.shift()!);
    const end = start + info.bytes;
    const size = info.bytes - previousEnd;
    previousEnd = info.bytes;
    covered = line + info.lines;
    yield size > MAX_RECORD_BYTES
      ? { kind: 'error', line: first, code: 'line_too_long', message: `the record is longer than ${MAX_RECORD_BYTES} bytes` }
      : { kind: 'row', line: first, last: line + info.lines, end, value: record };
  }
  await done;
  if (state.fatal) throw state.fatal;
  for (const e of skipped) yield coverError(e);
}

/** The header record of a CSV file and where the data after it starts. */
export async function csvHeader(path: string): Promise<{ values: string[]; end: number; line: number } | { error: string }> {
  const parser = csvParser();
  const input = createReadStream(path);
  input.pipe(parser);
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: CsvInfo }>) return { values: record, end: info.bytes, line: info.lines };
    return { error: 'the file is empty: the first line must be the header' };
  } catch (err) {
    return { error: `the header is not valid CSV: ${(err as Error).message}` };
  } finally {
    input.destroy();
    parser.destroy();
  }
}

const LF = 0x0a;

/** NDJSON lines after `start` bytes (`line` lines); blank lines are skipped. */
export async function* ndjsonLines(path: string, start: number, line: number): AsyncGenerator<Item<string>> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let tooLong = false;
  let offset = start;
  const finish = (end: number): Item<string> | undefined => {
    line++;
    const item: Item<string> | undefined = tooLong
      ? { kind: 'error', line, code: 'line_too_long', message: `the line is longer than ${MAX_RECORD_BYTES} bytes` }
      : lineItem(Buffer.concat(pending, pendingBytes).toString('utf8'), line, end);
    pending = [];
    pendingBytes = 0;
    tooLong = false;
    return item;
  };
  for await (const chunk of createReadStream(path, { start }) as AsyncIterable<Buffer>) {
    let from = 0;
    for (let nl = chunk.indexOf(LF, from); nl !== -1; nl = chunk.indexOf(LF, from)) {
      keep(chunk.subarray(from, nl));
      const item = finish(offset + nl + 1);
      if (item) yield item;
      from = nl + 1;
    }
    keep(chunk.subarray(from));
    offset += chunk.length;
  }
  if (pendingBytes > 0 || tooLong) {
    const item = finish(offset);
    if (item) yield item;
  }

  function keep(part: Buffer): void {
    if (tooLong || part.length === 0) return;
    if (pendingBytes + part.length > MAX_RECORD_BYTES) {
      tooLong = true;
      pending = [];
      pendingBytes = 0;
      return;
    }
    pending.push(part);
    pendingBytes += part.length;
  }
}

function lineItem(text: string, line: number, end: number): Item<string> | undefined {
  const trimmed = text.endsWith('\r') ? text.slice(0, -1) : text;
  if (trimmed.trim() === '') return undefined;
  return { kind: 'row', line, last: line, end, value: trimmed };
}
