// `npm run torture`: attacks the hub the way a hostile network, a slow provider and a careless
// operator would, part by part, and writes what was run and what broke to torture/RESULTS.md.
// Exit code 1 when any part saw a broken promise or crashed. Not part of `npm test`; CI runs
// `npm run torture:smoke`, the same checks at tiny sizes.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PARTS } from './parts/index.js';
import type { PartResult } from './types.js';

const TORTURE_DIR = dirname(fileURLToPath(import.meta.url));
const REPO_DIR = resolve(TORTURE_DIR, '..');

interface Outcome {
  name: string;
  description: string;
  seconds: number;
  result?: PartResult;
  crash?: string;
}

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    only: { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
  },
});

const smoke = values.smoke ?? false;
const seed = Number(values.seed ?? process.env.TORTURE_SEED ?? Date.now() % 2 ** 31);
if (!Number.isSafeInteger(seed)) throw new Error(`--seed must be an integer, got ${values.seed}`);
const only = values.only?.split(',').map((s) => s.trim()).filter(Boolean);
const unknown = only?.filter((n) => !PARTS.some((p) => p.name === n)) ?? [];
if (unknown.length) {
  console.error(`unknown part(s): ${unknown.join(', ')}; known: ${PARTS.map((p) => p.name).join(', ')}`);
  process.exit(2);
}
const selected = only ? PARTS.filter((p) => only.includes(p.name)) : PARTS;
const out = values.out ?? join(TORTURE_DIR, smoke ? '.smoke-RESULTS.md' : 'RESULTS.md');

const workRoot = join(TORTURE_DIR, '.work');
mkdirSync(workRoot, { recursive: true });

const startedAt = new Date();
const outcomes: Outcome[] = [];
for (const part of selected) {
  const workDir = mkdtempSync(join(workRoot, `${part.name}-`));
  const log = (line: string) => console.log(`[${part.name}] ${line}`);
  log(`${part.description}${smoke ? ' (smoke)' : ''}, seed ${seed}`);
  const t0 = performance.now();
  const outcome: Outcome = { name: part.name, description: part.description, seconds: 0 };
  try {
    outcome.result = await part.run({ smoke, seed, workDir, log });
  } catch (err) {
    outcome.crash = err instanceof Error ? (err.stack ?? err.message) : String(err);
  }
  outcome.seconds = (performance.now() - t0) / 1000;
  outcomes.push(outcome);
  const failed = outcome.crash !== undefined || (outcome.result?.failures.length ?? 0) > 0;
  log(failed ? `FAILED after ${outcome.seconds.toFixed(1)} s (work folder kept: ${workDir})` : `passed in ${outcome.seconds.toFixed(1)} s`);
  if (!failed) rmSync(workDir, { recursive: true, force: true });
}

writeFileSync(out, render(outcomes));
console.log(`wrote ${out}`);
const failed = outcomes.filter((o) => o.crash !== undefined || (o.result?.failures.length ?? 0) > 0);
process.exit(failed.length ? 1 : 0);

function render(list: Outcome[]): string {
  const elapsed = (Date.now() - startedAt.getTime()) / 1000;
  const lines: string[] = ['# Switchboard torture results', ''];
  if (smoke) lines.push('> **Smoke run** (`npm run torture:smoke`): tiny sizes, to check that every part still works and still holds.', '');
  lines.push(
    `Written by \`npm run torture${smoke ? ':smoke' : ''}${only ? ` -- --only ${only.join(',')}` : ''}\` on ${startedAt.toISOString()} ` +
      `(took ${(elapsed / 60).toFixed(1)} min), ${codeVersion()}, seed ${seed} (repeat with \`--seed ${seed}\`).`,
    '',
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}.`,
    '',
    '| part | result | time | what it did |',
    '|---|---|---|---|',
  );
  for (const o of list) {
    const verdict = o.crash !== undefined ? '**crashed**' : o.result!.failures.length ? `**${o.result!.failures.length} failure(s)**` : 'held';
    const counts = o.result ? Object.entries(o.result.counts).map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`).join(', ') : '';
    lines.push(`| ${o.name} | ${verdict} | ${formatSeconds(o.seconds)} | ${counts} |`);
  }
  for (const o of list) {
    lines.push('', `## ${o.name}`, '', o.description, '');
    if (o.crash !== undefined) lines.push('Crashed:', '', '```', o.crash, '```');
    if (!o.result) continue;
    for (const [k, v] of Object.entries(o.result.counts)) lines.push(`- ${k}: ${v.toLocaleString('en-US')}`);
    for (const n of o.result.notes ?? []) lines.push(`- ${n}`);
    if (o.result.failures.length) {
      lines.push('', 'Failures:', '');
      for (const f of o.result.failures.slice(0, 50)) lines.push(`- ${f}`);
      if (o.result.failures.length > 50) lines.push(`- … and ${o.result.failures.length - 50} more`);
    }
  }
  return lines.join('\n') + '\n';
}

function formatSeconds(s: number): string {
  return s >= 120 ? `${(s / 60).toFixed(1)} min` : `${s.toFixed(1)} s`;
}

function codeVersion(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: REPO_DIR, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const head = git('rev-parse', '--short', 'HEAD');
    const dirty = git('status', '--porcelain', '--', 'src').split('\n').filter(Boolean).length;
    return dirty ? `commit ${head} with ${dirty} uncommitted change(s) under src/` : `commit ${head}`;
  } catch {
    return 'not a git checkout';
  }
}
