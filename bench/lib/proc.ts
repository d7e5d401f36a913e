// Child processes under test (hub, sandbox, bare baseline): started with tsx, each announcing
// itself with one `BENCH_READY {json}` line on stdout, stopped with SIGTERM. Their CPU time and
// memory come from /proc, so what the bench process itself spends is never counted for them.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCH_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const REPO_DIR = dirname(BENCH_DIR);
/** Linux USER_HZ: /proc times are in these ticks. */
const TICKS_PER_SECOND = 100;

const live = new Set<Child>();

export interface ProcSample {
  /** User + system CPU seconds so far. */
  cpuS: number;
  /** Resident set size now, MB. */
  rssMb: number;
  /** Peak resident set size (VmHWM), MB. */
  peakRssMb: number;
}

export class Child<Info = Record<string, unknown>> {
  readonly #proc: ChildProcess;
  readonly #tail: string[] = [];
  #exited: Promise<number | null>;
  #exitCode: number | null | undefined;
  /** Log lines at level warn (40) or above that the child printed (pino JSON). */
  warnings = 0;
  errors = 0;

  private constructor(
    readonly name: string,
    proc: ChildProcess,
    readonly info: Info,
  ) {
    this.#proc = proc;
    this.#exited = new Promise((resolve) => {
      proc.once('exit', (code, signal) => {
        this.#exitCode = code ?? (signal ? -1 : null);
        live.delete(this as Child);
        resolve(this.#exitCode);
      });
    });
  }

  get pid(): number {
    return this.#proc.pid!;
  }

  get alive(): boolean {
    return this.#exitCode === undefined;
  }

  /** The last lines the child printed (stdout and stderr), for error messages. */
  tail(): string {
    return this.#tail.join('\n');
  }

  /**
   * Starts `node --import tsx <script>` from the repository root and resolves with the JSON of
   * its ready line. Rejects if it exits or stays silent for `timeoutMs`. With `logFile`, every
   * line the child prints (stdout and stderr, from the first) is appended to that file too.
   */
  static start<I = Record<string, unknown>>(
    name: string,
    script: string,
    env: Record<string, string>,
    nodeArgs: string[] = [],
    timeoutMs = 60_000,
    logFile?: string,
  ): Promise<Child<I>> {
    const log: WriteStream | null = logFile ? createWriteStream(logFile, { flags: 'a' }) : null;
    const proc = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', join(BENCH_DIR, script)], {
      cwd: REPO_DIR,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new Promise((resolve, reject) => {
      let child: Child<I> | null = null;
      const early: string[] = [];
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        reject(new Error(`${name} did not become ready within ${timeoutMs} ms:\n${early.join('\n')}`));
      }, timeoutMs);
      const onLine = (line: string) => {
        log?.write(line + '\n');
        if (!child) {
          if (line.startsWith('BENCH_READY ')) {
            clearTimeout(timer);
            child = new Child<I>(name, proc, JSON.parse(line.slice('BENCH_READY '.length)) as I);
            live.add(child as Child);
            resolve(child);
          } else early.push(line);
          return;
        }
        child.#record(line);
      };
      lines(proc.stdout, onLine);
      lines(proc.stderr, onLine);
      proc.once('exit', (code) => {
        // Whatever is still buffered in the pipes arrives before 'close'.
        if (log) proc.once('close', () => log.end());
        if (!child) {
          clearTimeout(timer);
          reject(new Error(`${name} exited with ${code} before it was ready:\n${early.slice(-40).join('\n')}`));
        }
      });
    });
  }

  #record(line: string): void {
    this.#tail.push(line);
    if (this.#tail.length > 60) this.#tail.shift();
    if (line.startsWith('{')) {
      try {
        const level = (JSON.parse(line) as { level?: number }).level ?? 0;
        if (level >= 50) this.errors++;
        else if (level >= 40) this.warnings++;
      } catch {
        /* not a log line */
      }
    }
  }

  sample(): ProcSample {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
    // Fields after the command name (which may hold spaces, hence the last ')').
    const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuTicks = Number(fields[11]) + Number(fields[12]); // utime, stime
    return { cpuS: cpuTicks / TICKS_PER_SECOND, rssMb: kb('VmRSS') / 1024, peakRssMb: kb('VmHWM') / 1024 };
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  async stop(graceMs = 30_000): Promise<number | null> {
    if (!this.alive) return this.#exitCode ?? null;
    this.#proc.kill('SIGTERM');
    const timer = setTimeout(() => this.#proc.kill('SIGKILL'), graceMs);
    const code = await this.#exited;
    clearTimeout(timer);
    return code;
  }

  kill(): void {
    if (this.alive) this.#proc.kill('SIGKILL');
  }

  /** Resolves with the exit code (-1 for a signal) once the process has gone. */
  exited(): Promise<number | null> {
    return this.#exited;
  }
}

function lines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buf += chunk;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
}

/** Kills whatever children are still running (on a crash or Ctrl-C). */
export function killAll(): void {
  for (const c of live) c.kill();
}

/** CPU use of a child between two samples, as a percentage of one core. */
export function cpuPercent(before: ProcSample, after: ProcSample, wallS: number): number {
  return wallS > 0 ? ((after.cpuS - before.cpuS) / wallS) * 100 : NaN;
}

/** The bench process's own CPU between two `process.cpuUsage()` readings, % of one core. */
export function selfCpuPercent(before: NodeJS.CpuUsage, wallS: number): number {
  const d = process.cpuUsage(before);
  return wallS > 0 ? ((d.user + d.system) / 1e6 / wallS) * 100 : NaN;
}
