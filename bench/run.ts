// npm run bench [-- --only a,b --rounds N --duration S --connections C --out PATH]
// npm run bench:smoke   (tiny sizes, one round; exits non-zero only if a scenario crashed)
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeReport } from './report.js';
import { cpuSnapshot, otherCpu, srcFingerprint } from './lib/machine.js';
import { killAll, REPO_DIR } from './lib/proc.js';
import { removeTempDirs } from './lib/util.js';
import { POSTGRES_ADMIN_URL, postgresReachable } from './lib/store.js';
import type { BenchOptions, Scenario, ScenarioResult } from './lib/types.js';
import { redactDatabaseUrl } from '../src/config.js';
import { run as campaignFanout } from './scenarios/campaign-fanout.js';
import { run as consoleFirstScreen } from './scenarios/console-first-screen.js';
import { run as customerImport } from './scenarios/customer-import.js';
import { run as dispatch } from './scenarios/dispatch.js';
import { run as e2eLatency } from './scenarios/e2e-latency.js';
import { run as rateLimit } from './scenarios/rate-limit.js';
import { run as webhookIngest } from './scenarios/webhook-ingest.js';

const SCENARIOS: Record<string, Scenario> = {
  'webhook-ingest': webhookIngest,
  dispatch,
  'rate-limit': rateLimit,
  'campaign-fanout': campaignFanout,
  'customer-import': customerImport,
  'e2e-latency': e2eLatency,
  'console-first-screen': consoleFirstScreen,
};

const USAGE = `usage: tsx bench/run.ts [--smoke] [--only ${Object.keys(SCENARIOS).join(',')}]
                     [--rounds N] [--duration S] [--connections C] [--store sqlite|postgres] [--hubs N] [--out PATH]
  --smoke        tiny sizes, 1 round, short runs; writes bench/.smoke-RESULTS.md
  --only         comma-separated scenarios (default: all)
  --rounds       rounds per scenario, each figure is the median (default 3; smoke 1)
  --duration     seconds per load run (default 10; smoke 1)
  --connections  connections of the closed-loop runs (default 50)
  --store        the hubs' database: sqlite (default) or postgres (a database per hub on the
                 server at BENCH_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres)
  --hubs         hub processes on the one database (PostgreSQL only; default 1): webhook
                 ingest spreads its load over them, dispatch gives each its own integration
  --out          where to write the report (default bench/RESULTS.md; smoke bench/.smoke-RESULTS.md)`;

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    only: { type: 'string' },
    rounds: { type: 'string' },
    duration: { type: 'string' },
    connections: { type: 'string' },
    store: { type: 'string' },
    hubs: { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write(USAGE + '\n');
  process.exit(0);
}

const positiveInt = (name: string, raw: string | undefined, fallback: number): number => {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) fail(`--${name} must be a positive integer, got "${raw}"`);
  return n;
};

const smoke = values.smoke ?? false;
const names = values.only ? values.only.split(',').map((s) => s.trim()).filter(Boolean) : Object.keys(SCENARIOS);
for (const n of names) if (!SCENARIOS[n]) fail(`unknown scenario "${n}"`);

const t0 = Date.now();
const log = (message: string) => process.stderr.write(`[bench +${((Date.now() - t0) / 1000).toFixed(1)}s] ${message}\n`);
if (values.store !== undefined && values.store !== 'sqlite' && values.store !== 'postgres') fail(`--store must be sqlite or postgres, got "${values.store}"`);
const store = values.store ?? 'sqlite';
if (store === 'postgres') {
  const unreachable = await postgresReachable();
  if (unreachable) fail(`--store postgres: no PostgreSQL server answers at ${redactDatabaseUrl(POSTGRES_ADMIN_URL)} (${unreachable}); set BENCH_POSTGRES_URL`);
}
const hubs = positiveInt('hubs', values.hubs, 1);
if (hubs > 1 && store !== 'postgres') fail('--hubs above 1 needs --store postgres: several hub processes share one PostgreSQL database, never one SQLite file');
const opts: BenchOptions = {
  store,
  hubs,
  smoke,
  rounds: positiveInt('rounds', values.rounds, smoke ? 1 : 3),
  durationS: positiveInt('duration', values.duration, smoke ? 1 : 10),
  connections: positiveInt('connections', values.connections, 50),
  log,
};
const outPath = values.out ?? join(REPO_DIR, 'bench', smoke ? '.smoke-RESULTS.md' : 'RESULTS.md');

const interrupted = (code: number) => () => {
  killAll();
  removeTempDirs();
  process.exit(code);
};
process.on('SIGINT', interrupted(130));
process.on('SIGTERM', interrupted(143));

const startedAt = new Date();
const results: ScenarioResult[] = [];
let crashed = 0;
for (const name of names) {
  log(`scenario ${name}: start`);
  const s0 = Date.now();
  const cpu0 = cpuSnapshot();
  const src0 = srcFingerprint(join(REPO_DIR, 'src'));
  try {
    const result = await SCENARIOS[name]!(opts);
    result.elapsedS = (Date.now() - s0) / 1000;
    const other = otherCpu(cpu0, cpuSnapshot());
    result.notes.push(
      `Other processes on the machine (not this bench or its children) used ${other.seconds.toFixed(1)} CPU-seconds during this scenario, ${other.pctOfOneCore.toFixed(0)}% of one core on average; steal (the host running another virtual machine on these CPUs) was ${other.stealPctOfOneCore.toFixed(0)}% of one core of that.`,
    );
    if (srcFingerprint(join(REPO_DIR, 'src')) !== src0) {
      result.notes.push('Files under src/ changed while this scenario ran: hub processes started at different times may have run different code.');
    }
    results.push(result);
    const missed = result.figures.filter((f) => f.met === false).length;
    log(`scenario ${name}: done in ${result.elapsedS.toFixed(1)} s (${result.figures.length} figures, ${missed} goals missed)`);
  } catch (err) {
    crashed++;
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    results.push({ name, figures: [], notes: [], error: message, elapsedS: (Date.now() - s0) / 1000 });
    log(`scenario ${name}: CRASHED\n${message}`);
    killAll();
    removeTempDirs();
  }
}

const command = `npm run ${smoke ? 'bench:smoke' : 'bench'}${process.argv.slice(2).filter((a) => a !== '--smoke').length ? ' -- ' + process.argv.slice(2).filter((a) => a !== '--smoke').join(' ') : ''}`;
writeReport(outPath, results, { opts, scenarios: names, command, startedAt, elapsedS: (Date.now() - t0) / 1000 });
log(`wrote ${outPath}`);
killAll();
removeTempDirs();
// A goal missed is a result, not a failure; only a crashed scenario fails the run.
process.exit(crashed > 0 ? 1 : 0);
