// How busy the machine was, and how much of that was this bench: other work on the same cores
// (a test run, a build) changes the numbers, so the report says how much there was.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const TICKS_PER_SECOND = 100;

export interface CpuSnapshot {
  at: number;
  /** Busy CPU seconds of the whole machine since boot (all cores). */
  machineBusyS: number;
  /** Of those, seconds the hypervisor ran something else while this machine wanted the CPU (steal). */
  stealS: number;
  /** CPU seconds of this process plus its children that have exited. */
  oursS: number;
}

export function cpuSnapshot(): CpuSnapshot {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal …
  const busy = cpu[0]! + cpu[1]! + cpu[2]! + cpu[5]! + cpu[6]! + cpu[7]!;
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
  // utime, stime, cutime, cstime
  const ours = f[11]! + f[12]! + f[13]! + f[14]!;
  return { at: Date.now(), machineBusyS: busy / TICKS_PER_SECOND, stealS: cpu[7]! / TICKS_PER_SECOND, oursS: ours / TICKS_PER_SECOND };
}

/**
 * CPU seconds used by other processes between two snapshots, and as % of one core; of them,
 * how much was steal (another virtual machine on the same host running instead of this one).
 */
export function otherCpu(a: CpuSnapshot, b: CpuSnapshot): { seconds: number; pctOfOneCore: number; stealPctOfOneCore: number } {
  const seconds = Math.max(0, b.machineBusyS - a.machineBusyS - (b.oursS - a.oursS));
  const wall = (b.at - a.at) / 1000;
  const pct = (s: number) => (wall > 0 ? (s / wall) * 100 : 0);
  return { seconds, pctOfOneCore: pct(seconds), stealPctOfOneCore: pct(b.stealS - a.stealS) };
}

/**
 * A fingerprint of src/ (paths, sizes, modification times): others may edit the code while the
 * bench runs, and a hub started later then runs different code than one started earlier.
 */
export function srcFingerprint(root: string): string {
  const hash = createHash('sha1');
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) {
        const st = statSync(path);
        hash.update(`${path}\0${st.size}\0${st.mtimeMs}\n`);
      }
    }
  };
  walk(root);
  return hash.digest('hex').slice(0, 12);
}
