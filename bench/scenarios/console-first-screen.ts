// The console's first screen, in Debian's Chromium on loopback: per round a fresh browser profile
// (nothing cached), past its own start-up, opens the hub's / and waits for the sign-in screen to render; then, signed in,
// a reload until the Integrations screen shows its list. Also the initial JavaScript's gzipped
// size, read from the build the hub serves. Goals from the issue: first screen ≤ 1 s, initial
// JavaScript ≤ 250 KB gzipped.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { browserMissing, ensureConsoleBuilt, openBrowser } from '../../test/console/browser.js';
import type { BenchOptions, Figure, ScenarioResult } from '../lib/types.js';
import { median, round } from '../lib/util.js';
import { ADMIN_TOKEN, createProject, startHub } from '../lib/world.js';

const DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/** The gzipped size of the scripts index.html loads up front (not the lazily loaded chunks). */
function initialScriptKb(): number {
  const html = readFileSync(`${DIST}index.html`, 'utf8');
  const scripts = [...html.matchAll(/<script[^>]+src="\/([^"]+)"/g)].map((m) => m[1]!);
  const preloads = [...html.matchAll(/<link rel="modulepreload"[^>]+href="\/([^"]+)"/g)].map((m) => m[1]!);
  return [...scripts, ...preloads].reduce((kb, file) => kb + gzipSync(readFileSync(`${DIST}${file}`)).length / 1024, 0);
}

export async function run(opts: BenchOptions): Promise<ScenarioResult> {
  const missing = browserMissing();
  if (missing) return { name: 'console-first-screen', figures: [], notes: [`Not measured: ${missing}.`] };
  ensureConsoleBuilt();
  const hub = await startHub({ store: opts.store });
  const rounds = opts.smoke ? 1 : Math.max(5, opts.rounds);
  const cold: number[] = [];
  const signedIn: number[] = [];
  try {
    await createProject(hub.api, 'Bench');
    for (let r = 0; r < rounds; r++) {
      const b = await openBrowser();
      try {
        // The browser's own start-up (its first renderer) is not the console's: a blank page first.
        await b.page.goto('about:blank');
        const t0 = performance.now();
        await b.page.goto(`${hub.url}/`);
        await b.page.getByRole('button', { name: 'Sign in' }).waitFor();
        cold.push(performance.now() - t0);
        await b.page.getByLabel(/^API key/).fill(ADMIN_TOKEN);
        await b.page.getByRole('button', { name: 'Sign in' }).click();
        await b.page.getByRole('heading', { name: 'Integrations' }).waitFor();
        const t1 = performance.now();
        await b.page.reload();
        await b.page.getByText(/No integrations yet/).waitFor();
        signedIn.push(performance.now() - t1);
      } finally {
        await b.close();
      }
      opts.log(`console-first-screen: round ${r + 1}/${rounds}: sign-in screen ${cold.at(-1)!.toFixed(0)} ms, signed-in reload ${signedIn.at(-1)!.toFixed(0)} ms`);
    }
  } finally {
    await hub.stop();
  }
  const kb = initialScriptKb();
  const figures: Figure[] = [
    { label: 'first screen (sign-in), fresh browser profile', value: round(median(cold), 0), unit: 'ms', goal: '≤ 1000 ms', met: median(cold) <= 1000, runs: cold.map((v) => round(v, 0)) },
    { label: 'signed-in reload until the Integrations list shows', value: round(median(signedIn), 0), unit: 'ms', goal: '—', met: null, runs: signedIn.map((v) => round(v, 0)) },
    { label: 'initial JavaScript, gzipped', value: round(kb, 1), unit: 'KB', goal: '≤ 250 KB', met: kb <= 250 },
  ];
  return { name: 'console-first-screen', settings: { rounds, browser: 'Debian Chromium, headless, loopback' }, figures, notes: [] };
}
