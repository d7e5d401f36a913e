// Campaign fan-out: launching a personalised campaign to a 1,000,000-customer audience (2,000 in
// smoke), each customer with two attributes the body renders. `POST …/launch` answers once every
// message is durably queued: its wall time is the figure, and the hub process's peak RSS (VmHWM)
// while it ran, in every round.
//
// Two variants per round, each on a fresh copy of the database: the audience as a filter (which
// every customer matches), and as the list of all 1,000,000 customer ids (a ~10 MB body;
// BODY_LIMIT_BYTES is raised for it). The customers are written straight into the hub's SQLite
// file or PostgreSQL database (hub stopped, after its migrations ran): through the API they would
// take far longer than the launch itself. Each launch gets a copy (of the file; on PostgreSQL a
// database created from the template). The campaign is created through the API in one hub process (which also
// times the audience estimate); the launch runs in a fresh one, so each peak belongs to one step.
// Reference (no baseline exists): inserting as many message-sized rows in one transaction into an
// empty copy of the messages table and its indexes.
import { cpSync, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import type pg from 'pg';
import { monotonicFactory } from 'ulid';
import { parsePhone } from '../../src/core/phone.js';
import { phone } from '../lib/phones.js';
import type { Child } from '../lib/proc.js';
import { connectPostgres, createPostgresDatabase, dropPostgresDatabase, postgresUrl } from '../lib/store.js';
import type { BenchOptions, ScenarioResult } from '../lib/types.js';
import { median, round, tempDir, removeDir } from '../lib/util.js';
import { createProject, createSinchIntegration, settledOrThrow, startHub, startSandbox, type SandboxInfo } from '../lib/world.js';

const BODY = 'Hi {{ customer.first_name }}, your {{ customer.tier }} offer: 20% off everything until Sunday. Reply STOP to opt out.';
/** What the reference rows carry: the body as one customer gets it. */
const RENDERED = 'Hi Margaret, your silver offer: 20% off everything until Sunday. Reply STOP to opt out.';
const FIRST_NAMES = ['Ada', 'Margaret', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Radia', 'Tim', 'Hedy'];
const TIERS = ['gold', 'silver', 'bronze'];
/** Matches every customer: the launch resolves it chunk by chunk, one attribute test and one consent lookup per customer. */
const FILTER = { all: [{ attribute: 'tier', op: 'in', value: TIERS }, { consent: 'not_opted_out' }] };
const HUB_ENV = { BODY_LIMIT_BYTES: String(64 * 1024 * 1024) };

/**
 * Customers as `POST /customers` would store them, written in one transaction. The columns come
 * from the table itself, so a column added later (as `country` was) gets its value or its
 * default instead of breaking the insert; `country` is filled as the hub fills it.
 */
function customerColumns(projectId: string): Record<string, (i: number, phone: string) => unknown> {
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
  return {
    id: () => `cus_${ulid().toLowerCase()}`,
    project_id: () => projectId,
    customer_id: (i) => `f${i}`,
    phone: (_, p) => p,
    country: (_, p) => countryOf(p),
    attributes: (i) => JSON.stringify({ first_name: FIRST_NAMES[i % FIRST_NAMES.length], tier: TIERS[i % TIERS.length] }),
    origin: () => 'api',
    created_at: () => now,
    updated_at: () => now,
  };
}

export function bulkInsertCustomers(dbPath: string, projectId: string, n: number): number {
  const db = new SQLite(dbPath);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  const known = customerColumns(projectId);
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
  const known = messageColumns();
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

/** Message rows shaped as a campaign's, the body as rendered for one customer. */
function messageColumns(): Record<string, (i: number) => unknown> {
  const ulid = monotonicFactory();
  const now = Date.now();
  return {
    id: () => `msg_${ulid().toLowerCase()}`,
    project_id: () => 'prj_reference',
    integration_id: () => 'int_reference',
    campaign_id: () => 'cmp_reference',
    customer_ref: () => `cus_${ulid().toLowerCase()}`,
    customer_id: (i) => `f${i}`,
    message_type: () => 'campaign',
    channel: () => 'sms',
    recipient: (i) => phone(i),
    body: () => RENDERED,
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
}

interface PgColumn {
  name: string;
  type: string;
  notnull: boolean;
  hasDefault: boolean;
}

async function pgColumns(client: pg.Client, table: string): Promise<PgColumn[]> {
  const res = await client.query<{ column_name: string; udt_name: string; is_nullable: string; column_default: string | null }>(
    `select column_name, udt_name, is_nullable, column_default from information_schema.columns where table_schema = 'public' and table_name = $1 order by ordinal_position`,
    [table],
  );
  return res.rows.map((c) => ({ name: c.column_name, type: c.udt_name, notnull: c.is_nullable === 'NO', hasDefault: c.column_default !== null }));
}

/**
 * Rows into a PostgreSQL table, `chunk` rows per statement (`insert … select * from unnest(…)`,
 * one array per column), all in one transaction: the fast way to load through pg without COPY.
 */
async function pgBulkInsert(client: pg.Client, table: string, columns: PgColumn[], makers: ((i: number) => unknown)[], n: number, chunk = 10_000): Promise<number> {
  const list = columns.map((c) => c.name).join(', ');
  const arrays = columns.map((c, k) => `$${k + 1}::${c.type}[]`).join(', ');
  const sql = `insert into ${table} (${list}) select * from unnest(${arrays})`;
  const t0 = performance.now();
  await client.query('begin');
  for (let start = 0; start < n; start += chunk) {
    const end = Math.min(n, start + chunk);
    const values = makers.map((m) => {
      const column: unknown[] = new Array(end - start);
      for (let i = start; i < end; i++) column[i - start] = m(i);
      return column;
    });
    await client.query(sql, values);
  }
  await client.query('commit');
  return (performance.now() - t0) / 1000;
}

/** bulkInsertCustomers on PostgreSQL, into the hub's (stopped) database. */
async function bulkInsertCustomersPg(database: string, projectId: string, n: number): Promise<number> {
  const client = await connectPostgres(postgresUrl(database));
  try {
    const known = customerColumns(projectId);
    const columns = (await pgColumns(client, 'customers')).filter((c) => known[c.name] || (c.notnull && !c.hasDefault));
    const unknown = columns.filter((c) => !known[c.name]).map((c) => c.name);
    if (unknown.length) throw new Error(`customers has required columns the bench does not know: ${unknown.join(', ')}`);
    const s = await pgBulkInsert(client, 'customers', columns, columns.map((c) => (i: number) => known[c.name]!(i, phone(i))), n);
    await client.query('vacuum analyze customers');
    return s;
  } finally {
    await client.end();
  }
}

/** referenceInsert on PostgreSQL: a copy of the template, an empty copy of `messages` with its indexes. */
async function referenceInsertPg(template: string, n: number): Promise<number> {
  const database = await createPostgresDatabase(template);
  const client = await connectPostgres(postgresUrl(database));
  try {
    await client.query('create table reference_messages (like messages including all)');
    const known = messageColumns();
    const columns = await pgColumns(client, 'reference_messages');
    return await pgBulkInsert(client, 'reference_messages', columns, columns.map((c) => known[c.name] ?? (() => (c.notnull ? 0 : null))), n);
  } finally {
    await client.end();
    await dropPostgresDatabase(database);
  }
}

interface Launch {
  createS: number;
  createPeakMb: number;
  /** Filter only: POST …/audiences/estimate, seconds. */
  estimateS: number;
  launchS: number;
  /** CPU seconds the launching hub used from the launch request to its answer (all its threads). */
  launchCpuS: number;
  launchIdleMb: number;
  launchPeakMb: number;
  queued: number;
  dbMb: number;
}

type Variant = 'filter' | 'ids';

/** Where the hub's data is: its folder (with the SQLite file, or only its keys) and, on PostgreSQL, its database. */
interface Place {
  dir: string;
  database?: string;
}

/** One variant of one round: a fresh copy of the database, a hub to create, a fresh hub to launch. */
async function launchOnce(opts: BenchOptions, template: Place, dir: string, pid: string, variant: Variant, idsBody: () => string, roundNo: number): Promise<Launch> {
  cpSync(template.dir, dir, { recursive: true });
  const database = template.database ? await createPostgresDatabase(template.database) : undefined;
  try {
    return await launchIn(opts, { dir, ...(database ? { database } : {}) }, pid, variant, idsBody, roundNo);
  } finally {
    if (database) await dropPostgresDatabase(database);
    removeDir(dir);
  }
}

async function databaseMb(place: Place): Promise<number> {
  if (place.database) {
    const client = await connectPostgres(postgresUrl(place.database));
    try {
      return (await client.query<{ bytes: number }>('select pg_database_size(current_database()) as bytes')).rows[0]!.bytes / 1024 ** 2;
    } finally {
      await client.end();
    }
  }
  const dbFile = join(place.dir, 'switchboard.db');
  return (statSync(dbFile).size + (existsSync(`${dbFile}-wal`) ? statSync(`${dbFile}-wal`).size : 0)) / 1024 ** 2;
}

async function launchIn(opts: BenchOptions, place: Place, pid: string, variant: Variant, idsBody: () => string, roundNo: number): Promise<Launch> {
  const hubAt = () => startHub({ store: opts.store, dataDir: place.dir, ...(place.database ? { database: place.database } : {}), env: HUB_ENV });
  let hub = await hubAt();
  let estimateS = NaN;
  if (variant === 'filter') {
    const e0 = performance.now();
    const est = await hub.api.must<{ size: number }>('POST', `/api/v1/projects/${pid}/audiences/estimate`, { filter: FILTER }, [200], 600_000);
    estimateS = (performance.now() - e0) / 1000;
    opts.log(`campaign-fanout round ${roundNo}: estimate ${round(estimateS)} s, size ${est.size}`);
  }
  const body = variant === 'filter' ? JSON.stringify({ name: 'Fan-out', body: BODY, audience: { filter: FILTER } }) : idsBody();
  const c0 = performance.now();
  const campaign = await hub.api.must<{ id: string }>('POST', `/api/v1/projects/${pid}/campaigns`, body, [201], 600_000);
  const createS = (performance.now() - c0) / 1000;
  const createPeakMb = hub.child.sample().peakRssMb;
  await hub.stop();

  hub = await hubAt();
  const idle = hub.child.sample();
  const launchIdleMb = idle.rssMb;
  opts.log(`campaign-fanout round ${roundNo} (${variant}): launching`);
  const l0 = performance.now();
  const launched = await hub.api.must<{ launch_summary: { queued: number } | null }>('POST', `/api/v1/projects/${pid}/campaigns/${campaign.id}/launch`, {}, [200], 1_800_000);
  const launchS = (performance.now() - l0) / 1000;
  const after = hub.child.sample();
  const launchPeakMb = after.peakRssMb;
  const launchCpuS = after.cpuS - idle.cpuS;
  await hub.stop();
  const dbMb = await databaseMb(place);
  opts.log(`campaign-fanout round ${roundNo} (${variant}): launch ${round(launchS)} s, peak RSS ${round(launchPeakMb)} MB`);
  return { createS, createPeakMb, estimateS, launchS, launchCpuS, launchIdleMb, launchPeakMb, queued: launched.launch_summary?.queued ?? 0, dbMb };
}

export async function run(opts: BenchOptions): Promise<ScenarioResult> {
  // BENCH_FANOUT_CUSTOMERS sizes a quicker run while tuning; reported figures use the default.
  const N = opts.smoke ? 2000 : Number(process.env.BENCH_FANOUT_CUSTOMERS ?? 1_000_000);
  if (!Number.isSafeInteger(N) || N < 1) throw new Error('BENCH_FANOUT_CUSTOMERS must be a positive integer');
  const work = tempDir();
  const template: Place = { dir: join(work, 'template') };
  mkdirSync(template.dir);
  const onPostgres = opts.store === 'postgres';
  let sandbox: Child<SandboxInfo> | null = null;
  try {
    if (onPostgres) template.database = await createPostgresDatabase();
    // A project and its default integration (30 parts/s: the dispatcher keeps sending, lightly,
    // while the launch runs, as in production), then the customers, written directly.
    const [sb, first] = await Promise.allSettled([startSandbox(), startHub({ store: opts.store, dataDir: template.dir, ...(template.database ? { database: template.database } : {}), env: HUB_ENV })]).then(settledOrThrow);
    sandbox = sb;
    const pid = await createProject(first.api);
    await createSinchIntegration(first.api, pid, { sandboxUrl: sb.info.url, rateLimit: 30 });
    await first.stop();
    opts.log(`campaign-fanout: inserting ${N} customers with two attributes each into the hub's ${onPostgres ? 'PostgreSQL database' : 'SQLite file'}`);
    const customersS = template.database ? await bulkInsertCustomersPg(template.database, pid, N) : bulkInsertCustomers(join(template.dir, 'switchboard.db'), pid, N);
    const reference = () => (template.database ? referenceInsertPg(template.database, N) : Promise.resolve(referenceInsert(join(template.dir, 'switchboard.db'), work, N)));
    // Built per use, so the bench process does not hold it between rounds.
    const idsBody = () => JSON.stringify({ name: 'Fan-out', body: BODY, audience: { customer_ids: Array.from({ length: N }, (_, i) => `f${i}`) } });
    const idsBodyMb = idsBody().length / 1024 ** 2;

    const rounds: { filter: Launch; ids: Launch; referenceS: number }[] = [];
    for (let r = 0; r < opts.rounds; r++) {
      const referenceFirst = r % 2 === 1;
      let referenceS = NaN;
      if (referenceFirst) referenceS = await reference();
      // Alternating which variant runs first, so neither always meets a warmer page cache.
      const order: Variant[] = r % 2 === 0 ? ['filter', 'ids'] : ['ids', 'filter'];
      const done: Partial<Record<Variant, Launch>> = {};
      for (const v of order) done[v] = await launchOnce(opts, template, join(work, `round-${r}-${v}`), pid, v, idsBody, r + 1);
      if (!referenceFirst) referenceS = await reference();
      rounds.push({ filter: done.filter!, ids: done.ids!, referenceS });
      opts.log(`campaign-fanout round ${r + 1}: raw insert ${round(referenceS)} s`);
    }

    const fmt = (xs: number[]) => xs.map((x) => round(x)).join(' / ');
    // SQLite's goal from the campaigns work; PostgreSQL's from the scale-out work.
    const launchGoalS = onPostgres ? 30 : 20;
    const referenceS = median(rounds.map((x) => x.referenceS));
    const all = (v: Variant, k: keyof Launch) => rounds.map((x) => x[v][k]);
    const worst = (xs: number[]) => Math.max(...xs);
    const n = N.toLocaleString('en-US');
    const launchFigure = (v: Variant, what: string) => {
      const value = median(all(v, 'launchS'));
      return { label: `Launch by ${what}: POST …/launch until it answered (all ${n} queued)`, value, unit: 's', baseline: referenceS, ratio: value / referenceS, goal: `≤ ${launchGoalS} s`, met: worst(all(v, 'launchS')) <= launchGoalS, runs: all(v, 'launchS'), baselineRuns: rounds.map((x) => x.referenceS) };
    };
    const peakFigure = (label: string, xs: number[]) => ({ label, value: worst(xs), unit: 'MB', goal: '≤ 400 MB', met: worst(xs) <= 400, runs: xs });
    return {
      name: 'campaign fan-out',
      settings: {
        audience: `${n} customers, two attributes each (first_name, tier)`,
        body: BODY,
        filter: JSON.stringify(FILTER),
        rounds: opts.rounds,
        integration: 'Sinch SMS to the sandbox, 30 parts/s (sending alongside the launch)',
        'hub env': 'BODY_LIMIT_BYTES=64 MiB',
        store: onPostgres ? 'PostgreSQL (a copy of the template database per launch, on the local server)' : 'SQLite (a copy of the template file per launch)',
      },
      figures: [
        launchFigure('filter', 'filter'),
        peakFigure('Peak RSS of the hub that launched by filter (VmHWM), worst round', all('filter', 'launchPeakMb')),
        launchFigure('ids', 'list of ids'),
        peakFigure('Peak RSS of the hub that launched by list of ids (VmHWM), worst round', all('ids', 'launchPeakMb')),
        peakFigure('Peak RSS of the hub that created the campaign by list of ids (POST with every id), worst round', all('ids', 'createPeakMb')),
        peakFigure('Peak RSS of the hub that estimated and created the campaign by filter, worst round', all('filter', 'createPeakMb')),
        { label: 'CPU time of the hub during the launch by filter', value: median(all('filter', 'launchCpuS')), unit: 's', goal: '—', met: null, runs: all('filter', 'launchCpuS') },
        { label: 'CPU time of the hub during the launch by list of ids', value: median(all('ids', 'launchCpuS')), unit: 's', goal: '—', met: null, runs: all('ids', 'launchCpuS') },
        { label: `Estimate: POST …/audiences/estimate with the filter on ${n} customers`, value: median(all('filter', 'estimateS')), unit: 's', goal: '—', met: null, runs: all('filter', 'estimateS') },
        { label: 'Create campaign by filter (counts the audience) until it answered', value: median(all('filter', 'createS')), unit: 's', goal: '—', met: null, runs: all('filter', 'createS') },
        { label: 'Create campaign by list of ids (stores every id) until it answered', value: median(all('ids', 'createS')), unit: 's', goal: '—', met: null, runs: all('ids', 'createS') },
        { label: 'RSS of the launching hub just after start (before the launch)', value: median([...all('filter', 'launchIdleMb'), ...all('ids', 'launchIdleMb')]), unit: 'MB', goal: '—', met: null, runs: [...all('filter', 'launchIdleMb'), ...all('ids', 'launchIdleMb')] },
      ],
      notes: [
        `Launch goals are met only if every round meets them; peak RSS figures are the worst round (per-round values in the last column).`,
        `Baseline column of the launches: the raw cost of inserting ${n} message-sized rows (all columns of \`messages\`, values shaped as a campaign's, the body as rendered for one customer) ${onPostgres ? 'through pg, 10,000 rows per `insert … select * from unnest(…)`, in one transaction, into an empty copy of the `messages` table and its indexes (`like messages including all`) in a copy of the database' : 'with one prepared better-sqlite3 statement in one transaction into an empty copy of the `messages` table and its indexes (WAL, synchronous=FULL)'}, in the bench process.`,
        `Messages queued per launch (launch_summary.queued): by filter ${fmt(all('filter', 'queued'))}; by ids ${fmt(all('ids', 'queued'))}.`,
        `The campaign-create request body by ids is ${round(idsBodyMb)} MB (the audience as ${n} customer ids).`,
        `Setup: ${n} customers written into the hub's ${onPostgres ? 'PostgreSQL database' : 'SQLite file'} in ${round(customersS)} s (one transaction${onPostgres ? ', 10,000 rows per statement' : ', prepared statement'}). Database ${onPostgres ? 'size (pg_database_size)' : 'file (incl. WAL)'} after each launch: by filter ${fmt(all('filter', 'dbMb'))} MB; by ids ${fmt(all('ids', 'dbMb'))} MB.`,
        `Peak RSS is VmHWM of the hub process, which runs from src/ through the tsx loader; the RSS just after start shows the floor that includes.`,
      ],
    };
  } finally {
    await sandbox?.stop();
    if (template.database) await dropPostgresDatabase(template.database);
    removeDir(work);
  }
}
