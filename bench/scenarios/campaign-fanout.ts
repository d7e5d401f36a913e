// Campaign fan-out: launching a campaign to a 1,000,000-customer audience (2,000 in smoke).
// `POST …/launch` answers once every message is durably queued: its wall time is the figure,
// and the hub process's peak RSS (VmHWM) while it ran.
//
// The customers are written straight into the hub's SQLite file (hub stopped, after its
// migrations ran): through the API they would take far longer than the launch itself. The
// campaign is created through the API (a ~10 MB body; BODY_LIMIT_BYTES is raised for it) in one
// hub process; the launch runs in a fresh one, so each peak belongs to one step.
// Reference (no baseline exists): inserting as many message-sized rows with one prepared
// statement in one transaction into an empty copy of the messages table and its indexes.
import { cpSync, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { monotonicFactory } from 'ulid';
import { parsePhone } from '../../src/core/phone.js';
import { phone } from '../lib/phones.js';
import type { Child } from '../lib/proc.js';
import type { BenchOptions, ScenarioResult } from '../lib/types.js';
import { median, round, tempDir, removeDir } from '../lib/util.js';
import { createProject, createSinchIntegration, settledOrThrow, startHub, startSandbox, type RunningHub, type SandboxInfo } from '../lib/world.js';

const BODY = 'Spring sale: 20% off everything until Sunday. Reply STOP to opt out.';
const HUB_ENV = { BODY_LIMIT_BYTES: String(64 * 1024 * 1024) };

/**
 * Customers as `POST /customers` would store them, written in one transaction. The columns come
 * from the table itself, so a column added later (as `country` was) gets its value or its
 * default instead of breaking the insert; `country` is filled as the hub fills it.
 */
export function bulkInsertCustomers(dbPath: string, projectId: string, n: number): number {
  const db = new SQLite(dbPath);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  const ulid = monotonicFactory();
  const now = Date.now();
  const countries = new Map<string, string | null>();
  const countryOf = (e164: string) => {
    let c = countries.get(e164);
    if (c === undefined) {
      const parsed = parsePhone(e164);
      countries.set(e164, (c = parsed.ok ? parsed.country : null));
    }
    return c;
  };
  const known: Record<string, (i: number, phone: string) => unknown> = {
    id: () => `cus_${ulid().toLowerCase()}`,
    project_id: () => projectId,
    customer_id: (i) => `f${i}`,
    phone: (_, p) => p,
    country: (_, p) => countryOf(p),
    attributes: () => '{}',
    origin: () => 'api',
    created_at: () => now,
    updated_at: () => now,
  };
  const columns = (db.prepare(`pragma table_info(customers)`).all() as { name: string; notnull: number; dflt_value: string | null }[]).filter(
    (c) => known[c.name] || (c.notnull && c.dflt_value === null),
  );
  const unknown = columns.filter((c) => !known[c.name]).map((c) => c.name);
  if (unknown.length) throw new Error(`customers has required columns the bench does not know: ${unknown.join(', ')}`);
  const insert = db.prepare(`insert into customers (${columns.map((c) => c.name).join(', ')}) values (${columns.map(() => '?').join(', ')})`);
  const makers = columns.map((c) => known[c.name]!);
  const t0 = performance.now();
  db.transaction(() => {
    for (let i = 0; i < n; i++) {
      const p = phone(i);
      insert.run(...makers.map((m) => m(i, p)));
    }
  })();
  const ms = performance.now() - t0;
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return ms / 1000;
}

/** The raw cost: n message rows, one prepared statement, one transaction, same table and indexes. */
function referenceInsert(templateDb: string, dir: string, n: number): number {
  const src = new SQLite(templateDb, { readonly: true });
  const ddl = (src.prepare(`select sql from sqlite_master where tbl_name = 'messages' and sql is not null order by type desc`).all() as { sql: string }[]).map((r) => r.sql);
  const columns = src.prepare(`pragma table_info(messages)`).all() as { name: string; notnull: number; dflt_value: string | null }[];
  src.close();
  const path = join(dir, 'reference.db');
  const db = new SQLite(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  for (const sql of ddl) db.exec(sql);
  const ulid = monotonicFactory();
  const now = Date.now();
  const known: Record<string, (i: number) => unknown> = {
    id: () => `msg_${ulid().toLowerCase()}`,
    project_id: () => 'prj_reference',
    integration_id: () => 'int_reference',
    campaign_id: () => 'cmp_reference',
    customer_ref: () => `cus_${ulid().toLowerCase()}`,
    customer_id: (i) => `f${i}`,
    message_type: () => 'campaign',
    channel: () => 'sms',
    recipient: (i) => phone(i),
    body: () => BODY,
    parts: () => 1,
    encoding: () => 'GSM-7',
    status: () => 'queued',
    dispatch_state: () => 'queued',
    attempts: () => 0,
    next_attempt_at: () => now,
    deadline_at: () => now + 3_600_000,
    possible_duplicate: () => 0,
    request_started_at: () => null,
    unconfirmed_since: () => null,
    expects_reports: () => 1,
    auto_reply: () => 0,
    created_at: () => now,
    updated_at: () => now,
  };
  const makers = columns.map((c) => known[c.name] ?? (() => (c.notnull ? 0 : null)));
  const insert = db.prepare(`insert into messages (${columns.map((c) => c.name).join(', ')}) values (${columns.map(() => '?').join(', ')})`);
  const t0 = performance.now();
  db.transaction(() => {
    for (let i = 0; i < n; i++) insert.run(...makers.map((m) => m(i)));
  })();
  const s = (performance.now() - t0) / 1000;
  db.close();
  rmSync(path, { force: true });
  rmSync(`${path}-wal`, { force: true });
  rmSync(`${path}-shm`, { force: true });
  return s;
}

interface Round {
  createS: number;
  createPeakMb: number;
  launchS: number;
  launchIdleMb: number;
  launchPeakMb: number;
  queued: number;
  referenceS: number;
  dbMb: number;
}

export async function run(opts: BenchOptions): Promise<ScenarioResult> {
  const N = opts.smoke ? 2000 : 1_000_000;
  const work = tempDir();
  const template = join(work, 'template');
  mkdirSync(template);
  let sandbox: Child<SandboxInfo> | null = null;
  try {
    // A project and its default integration (30 parts/s: the dispatcher keeps sending, lightly,
    // while the launch runs, as in production), then the customers, written directly.
    const [sb, first] = await Promise.allSettled([startSandbox(), startHub({ dataDir: template, env: HUB_ENV })]).then(settledOrThrow);
    sandbox = sb;
    let hub: RunningHub = first;
    const pid = await createProject(hub.api);
    await createSinchIntegration(hub.api, pid, { sandboxUrl: sb.info.url, rateLimit: 30 });
    await hub.stop();
    opts.log(`campaign-fanout: inserting ${N} customers into the hub's SQLite file`);
    const customersS = bulkInsertCustomers(join(template, 'switchboard.db'), pid, N);
    const audience = JSON.stringify({ name: 'Fan-out', body: BODY, audience: { customer_ids: Array.from({ length: N }, (_, i) => `f${i}`) } });

    const rounds: Round[] = [];
    for (let r = 0; r < opts.rounds; r++) {
      const dir = join(work, `round-${r}`);
      cpSync(template, dir, { recursive: true });
      const referenceFirst = r % 2 === 1;
      let referenceS = NaN;
      if (referenceFirst) referenceS = referenceInsert(join(template, 'switchboard.db'), work, N);

      hub = await startHub({ dataDir: dir, env: HUB_ENV });
      const c0 = Date.now();
      const campaign = await hub.api.must<{ id: string }>('POST', `/api/v1/projects/${pid}/campaigns`, audience, [201], 600_000);
      const createS = (Date.now() - c0) / 1000;
      const createPeakMb = hub.child.sample().peakRssMb;
      await hub.stop();

      hub = await startHub({ dataDir: dir, env: HUB_ENV });
      const launchIdleMb = hub.child.sample().rssMb;
      opts.log(`campaign-fanout round ${r + 1}: launching to ${N} customers`);
      const l0 = Date.now();
      const launched = await hub.api.must<{ launch_summary: { queued: number } | null }>('POST', `/api/v1/projects/${pid}/campaigns/${campaign.id}/launch`, {}, [200], 1_800_000);
      const launchS = (Date.now() - l0) / 1000;
      const launchPeakMb = hub.child.sample().peakRssMb;
      await hub.stop();
      const dbFile = join(dir, 'switchboard.db');
      const dbMb = (statSync(dbFile).size + (existsSync(`${dbFile}-wal`) ? statSync(`${dbFile}-wal`).size : 0)) / 1024 ** 2;
      removeDir(dir);

      if (!referenceFirst) referenceS = referenceInsert(join(template, 'switchboard.db'), work, N);
      rounds.push({ createS, createPeakMb, launchS, launchIdleMb, launchPeakMb, queued: launched.launch_summary?.queued ?? 0, referenceS, dbMb });
      opts.log(`campaign-fanout round ${r + 1}: launch ${round(launchS)} s, peak RSS ${round(launchPeakMb)} MB; raw insert ${round(referenceS)} s`);
    }

    const fmt = (xs: number[]) => xs.map((x) => round(x)).join(' / ');
    const launchS = median(rounds.map((x) => x.launchS));
    const referenceS = median(rounds.map((x) => x.referenceS));
    const peak = median(rounds.map((x) => x.launchPeakMb));
    const createPeak = median(rounds.map((x) => x.createPeakMb));
    return {
      name: 'campaign fan-out',
      settings: {
        audience: `${N.toLocaleString('en-US')} customers`,
        rounds: opts.rounds,
        integration: 'Sinch SMS to the sandbox, 30 parts/s (sending alongside the launch)',
        'hub env': 'BODY_LIMIT_BYTES=64 MiB',
      },
      figures: [
        {
          label: `Launch: POST …/launch until it answered (all ${N.toLocaleString('en-US')} queued)`,
          value: launchS,
          unit: 's',
          baseline: referenceS,
          ratio: launchS / referenceS,
          goal: '≤ 20 s',
          met: launchS <= 20,
          runs: rounds.map((x) => x.launchS),
          baselineRuns: rounds.map((x) => x.referenceS),
        },
        {
          label: 'Peak RSS of the hub process that ran the launch (VmHWM)',
          value: peak,
          unit: 'MB',
          goal: '≤ 400 MB',
          met: peak <= 400,
          runs: rounds.map((x) => x.launchPeakMb),
        },
        {
          label: 'Peak RSS of the hub process that created the campaign (POST with the audience)',
          value: createPeak,
          unit: 'MB',
          goal: '≤ 400 MB',
          met: createPeak <= 400,
          runs: rounds.map((x) => x.createPeakMb),
        },
        {
          label: 'Create campaign: POST …/campaigns with the audience until it answered',
          value: median(rounds.map((x) => x.createS)),
          unit: 's',
          goal: '—',
          met: null,
          runs: rounds.map((x) => x.createS),
        },
        {
          label: 'RSS of the launching hub just after start (before the launch)',
          value: median(rounds.map((x) => x.launchIdleMb)),
          unit: 'MB',
          goal: '—',
          met: null,
          runs: rounds.map((x) => x.launchIdleMb),
        },
      ],
      notes: [
        `Baseline column of the launch: the raw cost of inserting ${N.toLocaleString('en-US')} message-sized rows (all columns of \`messages\`, values shaped as a campaign's) with one prepared better-sqlite3 statement in one transaction into an empty copy of the \`messages\` table and its indexes (WAL, synchronous=FULL), in the bench process.`,
        `Messages queued per launch (launch_summary.queued): ${fmt(rounds.map((x) => x.queued))}.`,
        `The campaign-create request body is ${round(audience.length / 1024 ** 2)} MB (the audience as ${N.toLocaleString('en-US')} customer ids).`,
        `Setup: ${N.toLocaleString('en-US')} customers written into the hub's SQLite file in ${round(customersS)} s (one transaction, prepared statement). Database file after each launch (incl. WAL): ${fmt(rounds.map((x) => x.dbMb))} MB.`,
        `Peak RSS is VmHWM of the hub process, which runs from src/ through the tsx loader; the RSS just after start shows the floor that includes.`,
      ],
    };
  } finally {
    await sandbox?.stop();
    removeDir(work);
  }
}
