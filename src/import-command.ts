// `switchboard import <file> --project <pid>`: uploads the file streamed (never read whole),
// then follows the import job with a progress bar (a plain line per update when stdout is not a
// terminal). Exits 1 when rows failed or the import failed, printing where the errors are.
import { createReadStream, statSync } from 'node:fs';
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import { request } from 'undici';

export const IMPORT_USAGE = 'usage: switchboard import <file.csv|file.ndjson> --project <pid> [--url http://127.0.0.1:3000] [--key <api key>] [--format csv|ndjson]';

interface Job {
  id: string;
  state: string;
  bytes_total: number;
  bytes_processed: number;
  rows_processed: number;
  rows_created: number;
  rows_updated: number;
  rows_failed: number;
  error: string | null;
}

const TYPES = { csv: 'text/csv', ndjson: 'application/x-ndjson' } as const;

function formatOf(file: string, given: string | undefined): keyof typeof TYPES {
  const f = given ?? ({ '.csv': 'csv', '.ndjson': 'ndjson', '.jsonl': 'ndjson' } as Record<string, string>)[extname(file).toLowerCase()];
  if (f === 'csv' || f === 'ndjson') return f;
  throw new UsageError(`cannot tell the format of ${file}: give --format csv or --format ndjson`);
}

export class UsageError extends Error {}

async function call<T>(url: string, key: string, init: { method?: 'GET' | 'POST'; body?: NodeJS.ReadableStream; type?: string; length?: number } = {}): Promise<T> {
  const res = await request(url, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${key}`, ...(init.type && { 'content-type': init.type }), ...(init.length !== undefined && { 'content-length': String(init.length) }) },
    body: init.body as never,
  });
  const text = await res.body.text();
  if (res.statusCode >= 300) {
    let message = text;
    try {
      const e = (JSON.parse(text) as { error?: { message?: string } }).error;
      if (e?.message) message = e.message;
    } catch {
      /* not JSON */
    }
    throw new Error(`${res.statusCode}: ${message}`);
  }
  return JSON.parse(text) as T;
}

export async function runImport(argv: string[], out: NodeJS.WriteStream = process.stdout): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { project: { type: 'string' }, url: { type: 'string', default: 'http://127.0.0.1:3000' }, key: { type: 'string' }, format: { type: 'string' }, 'poll-ms': { type: 'string', default: '500' } },
  });
  const file = positionals[0];
  const key = values.key ?? process.env.SWITCHBOARD_API_KEY;
  if (!file || !values.project) throw new UsageError(IMPORT_USAGE);
  if (!key) throw new UsageError('give the API key with --key or SWITCHBOARD_API_KEY');
  const format = formatOf(file, values.format);
  const base = `${values.url.replace(/\/$/, '')}/api/v1/projects/${encodeURIComponent(values.project)}/imports`;
  const size = statSync(file).size;

  out.write(`uploading ${file} (${size} bytes)\n`);
  let job = await call<Job>(base, key, { method: 'POST', body: createReadStream(file), type: TYPES[format], length: size });
  out.write(`import ${job.id} queued\n`);

  const tty = out.isTTY === true;
  const bar = tty ? new SingleBar({ format: '{bar} {percentage}% | {rows} rows | {failed} failed', stream: out }, Presets.shades_classic) : null;
  bar?.start(job.bytes_total, job.bytes_processed, { rows: 0, failed: 0 });
  let lastLine = '';
  const pollMs = Number(values['poll-ms']);
  while (job.state === 'queued' || job.state === 'running') {
    await new Promise((r) => setTimeout(r, pollMs));
    job = await call<Job>(`${base}/${job.id}`, key);
    if (bar) bar.update(job.bytes_processed, { rows: job.rows_processed, failed: job.rows_failed });
    else {
      const line = `${job.state}: ${Math.floor((100 * job.bytes_processed) / Math.max(1, job.bytes_total))}% of the file, ${job.rows_processed} rows, ${job.rows_failed} failed`;
      if (line !== lastLine) out.write(line + '\n');
      lastLine = line;
    }
  }
  bar?.stop();
  if (job.state === 'failed') {
    out.write(`import ${job.id} failed: ${job.error ?? 'unknown error'}\n`);
    return 1;
  }
  out.write(`import ${job.id} done: ${job.rows_processed} rows, ${job.rows_created} created, ${job.rows_updated} updated, ${job.rows_failed} failed\n`);
  if (job.rows_failed > 0) {
    out.write(`the failed rows, with line numbers: GET ${base}/${job.id}/errors\n`);
    return 1;
  }
  return 0;
}
