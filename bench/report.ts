// Writes the results as Markdown: the machine, the settings, a summary of the goals, then one
// table per scenario (medians over rounds, the baseline measured in the same run, the ratio, the
// goal and whether it is met) with the per-round values and the measured facts under it.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem, type as osType, arch } from 'node:os';
import { join } from 'node:path';
import { REPO_DIR } from './lib/proc.js';
import type { BenchOptions, Figure, ScenarioResult } from './lib/types.js';
import { round } from './lib/util.js';

export interface ReportMeta {
  opts: BenchOptions;
  /** The scenarios asked for (all unless --only). */
  scenarios: string[];
  command: string;
  startedAt: Date;
  elapsedS: number;
}

function num(n: number | undefined): string {
  if (n === undefined) return '';
  if (!Number.isFinite(n)) return String(n);
  const r = round(n);
  return Math.abs(r) >= 1000 ? Math.round(r).toLocaleString('en-US') : String(r);
}

function ratio(f: Figure): string {
  if (f.ratio === undefined || !Number.isFinite(f.ratio)) return '';
  return f.ratio >= 10 ? `×${num(f.ratio)}` : `${num(f.ratio * 100)}%`;
}

function met(f: Figure): string {
  return f.met === null ? '—' : f.met ? 'met' : '**missed**';
}

function runs(f: Figure): string {
  const hub = f.runs?.map(num).join(' / ') ?? '';
  const base = f.baselineRuns?.map(num).join(' / ');
  return base ? `${hub}; baseline ${base}` : hub;
}

/** The commit measured, and how many files under src/ differed from it (others may be editing). */
function codeVersion(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: REPO_DIR, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const head = git('rev-parse', '--short', 'HEAD');
    const changed = git('status', '--porcelain', '--', 'src').split('\n').filter(Boolean).length;
    return changed ? `commit ${head} with ${changed} uncommitted change(s) under src/ at the end of the run` : `commit ${head}, src/ clean`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join(REPO_DIR, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

export function renderReport(results: ScenarioResult[], meta: ReportMeta): string {
  const { opts } = meta;
  const cpu = cpus();
  const out: string[] = [];
  out.push('# Switchboard benchmarks', '');
  if (opts.smoke) {
    out.push('> **Smoke run** (`npm run bench:smoke`): tiny sizes and one round, to check that the suite works. The numbers mean nothing.', '');
  }
  out.push(
    `Written by \`${meta.command}\` on ${meta.startedAt.toISOString()} (took ${num(meta.elapsedS / 60)} min). ` +
      'Each figure is the median over the rounds; the baseline is measured in the same run, alternating with the hub round by round. ' +
      'These are measurements on one small machine, not pass/fail tests.',
    '',
    '## Machine and settings',
    '',
    '| | |',
    '|---|---|',
    `| CPU | ${cpu[0]?.model ?? '?'} × ${cpu.length} cores |`,
    `| Memory | ${num(totalmem() / 1024 ** 3)} GiB |`,
    `| OS | ${osType()} ${release()} ${arch()} |`,
    `| Node.js | ${process.version} |`,
    `| Code measured | ${codeVersion()} |`,
    `| Load generator | autocannon ${packageVersion('autocannon')} in the bench process (one thread), over loopback |`,
    `| Processes | hub, Sinch SMS sandbox, bare Fastify baseline and durable floor (webhook ingest) each in its own child process (hub started from src/ with tsx, LOG_LEVEL=warn, its SQLite file as src/store/db.ts opens it, in a temp folder on the local disk); generator, hub, sandbox and baselines all share the ${cpu.length} cores |`,
    `| Rounds | ${opts.rounds} |`,
    `| Duration per load run | ${opts.durationS} s |`,
    `| Connections (closed-loop runs) | ${opts.connections}, pipelining 1 |`,
    `| Scenarios | ${meta.scenarios.join(', ')} |`,
    '',
  );

  out.push('## Goals', '', '| scenario | figure | hub | baseline | ratio | goal | |', '|---|---|---|---|---|---|---|');
  for (const r of results) {
    if (r.error) {
      out.push(`| ${r.name} | **crashed** | | | | | |`);
      continue;
    }
    for (const f of r.figures.filter((x) => x.met !== null)) {
      out.push(`| ${r.name} | ${cell(f.label)} | ${num(f.value)} ${f.unit} | ${f.baseline === undefined ? '' : `${num(f.baseline)} ${f.unit}`} | ${ratio(f)} | ${cell(f.goal)} | ${met(f)} |`);
    }
  }
  out.push('');
  // The developers' reading of the figures (why a goal is missed, what limits it) lives in
  // ANALYSIS.md beside this file and goes into full reports, not smoke runs.
  const analysis = new URL('./ANALYSIS.md', import.meta.url);
  if (!meta.opts.smoke && existsSync(analysis)) out.push(readFileSync(analysis, 'utf8').trim(), '');

  for (const r of results) {
    out.push(`## ${r.name}`, '');
    if (r.error) {
      out.push('**The scenario crashed:**', '', '```', r.error, '```', '');
      continue;
    }
    if (r.settings) {
      out.push(Object.entries(r.settings).map(([k, v]) => `${k}: ${v}`).join('; ') + (r.elapsedS ? `; scenario wall time ${num(r.elapsedS)} s` : '') + '.', '');
    }
    out.push('| figure | hub | baseline | ratio | goal | | per round |', '|---|---|---|---|---|---|---|');
    for (const f of r.figures) {
      out.push(
        `| ${cell(f.label)} | ${num(f.value)} ${f.unit} | ${f.baseline === undefined ? '' : `${num(f.baseline)} ${f.unit}`} | ${ratio(f)} | ${cell(f.goal)} | ${met(f)} | ${runs(f)} |`,
      );
    }
    out.push('');
    for (const n of r.notes) out.push(`- ${n}`);
    out.push('');
  }
  return out.join('\n');
}

export function writeReport(path: string, results: ScenarioResult[], meta: ReportMeta): void {
  writeFileSync(path, renderReport(results, meta));
}
