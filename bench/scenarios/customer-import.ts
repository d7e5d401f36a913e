// Customer import: a 1,000,000-row CSV (customer_id, phone, two attributes; 2,000 in smoke)
// uploaded through `POST …/imports` into a hub process, then followed until the job is done.
// The figure is the wall time from the first byte of the upload to `state: done`, and the hub
// process's peak RSS (VmHWM) over it: the file is streamed to disk and read back in batches, so
// the peak must not grow with the file.
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { phone } from '../lib/phones.js';
import type { BenchOptions, ScenarioResult } from '../lib/types.js';
import { median, removeDir, round, sleep, tempDir } from '../lib/util.js';
import { ADMIN_TOKEN, createProject, startHub } from '../lib/world.js';

async function writeCsv(path: string, n: number): Promise<void> {
  const out = createWriteStream(path);
  const write = (s: string) => (out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r())));
  await write('customer_id,phone,first_name,score:number\n');
  let chunk = '';
  for (let i = 0; i < n; i++) {
    chunk += `c${i},${phone(i)},Name${i % 1000},${i % 100}\n`;
    if (chunk.length > 64 * 1024) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk);
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

interface Job {
  id: string;
  state: string;
  rows_processed: number;
  rows_created: number;
  rows_failed: number;
}

interface Round {
  uploadS: number;
  doneS: number;
  peakMb: number;
  idleMb: number;
  created: number;
}

export async function run(opts: BenchOptions): Promise<ScenarioResult> {
  const N = opts.smoke ? 2000 : 1_000_000;
  const work = tempDir();
  try {
    const file = join(work, 'customers.csv');
    await writeCsv(file, N);
    const bytes = statSync(file).size;
    const rounds: Round[] = [];
    for (let r = 0; r < opts.rounds; r++) {
      const hub = await startHub({ store: opts.store });
      try {
        const pid = await createProject(hub.api);
        const idleMb = hub.child.sample().rssMb;
        opts.log(`customer-import round ${r + 1}: importing ${N} rows (${round(bytes / 1024 ** 2)} MB)`);
        const t0 = Date.now();
        const res = await request(`${hub.url}/api/v1/projects/${pid}/imports`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'text/csv', 'content-length': String(bytes) },
          body: createReadStream(file),
        });
        const accepted = (await res.body.json()) as Job;
        if (res.statusCode !== 202) throw new Error(`POST …/imports answered ${res.statusCode}: ${JSON.stringify(accepted)}`);
        const uploadS = (Date.now() - t0) / 1000;
        let job = accepted;
        while (job.state === 'queued' || job.state === 'running') {
          await sleep(100);
          job = await hub.api.must<Job>('GET', `/api/v1/projects/${pid}/imports/${accepted.id}`, undefined, [200]);
        }
        const doneS = (Date.now() - t0) / 1000;
        const peakMb = hub.child.sample().peakRssMb;
        if (job.state !== 'done' || job.rows_created !== N) throw new Error(`the import ended ${job.state} with ${job.rows_created} of ${N} rows created, ${job.rows_failed} failed`);
        rounds.push({ uploadS, doneS, peakMb, idleMb, created: job.rows_created });
        opts.log(`customer-import round ${r + 1}: done in ${round(doneS)} s (upload ${round(uploadS)} s), peak RSS ${round(peakMb)} MB`);
      } finally {
        await hub.stop();
      }
    }
    const doneS = median(rounds.map((x) => x.doneS));
    const peak = median(rounds.map((x) => x.peakMb));
    return {
      name: 'customer import',
      settings: { rows: `${N.toLocaleString('en-US')} (customer_id, phone, first_name, score:number)`, file: `${round(bytes / 1024 ** 2)} MB CSV`, rounds: opts.rounds },
      figures: [
        { label: `Import: POST …/imports until the job is done (${N.toLocaleString('en-US')} rows)`, value: doneS, unit: 's', goal: '≤ 30 s', met: doneS <= 30, runs: rounds.map((x) => x.doneS) },
        { label: 'Peak RSS of the hub process (VmHWM)', value: peak, unit: 'MB', goal: '—', met: null, runs: rounds.map((x) => x.peakMb) },
        { label: 'Upload: POST …/imports until it answered 202', value: median(rounds.map((x) => x.uploadS)), unit: 's', goal: '—', met: null, runs: rounds.map((x) => x.uploadS) },
        { label: 'Rows per second, upload to done', value: N / doneS, unit: 'rows/s', goal: '—', met: null, runs: rounds.map((x) => N / x.doneS) },
      ],
      notes: [`Hub RSS when idle before the import: ${rounds.map((x) => round(x.idleMb)).join(' / ')} MB.`],
    };
  } finally {
    removeDir(work);
  }
}
