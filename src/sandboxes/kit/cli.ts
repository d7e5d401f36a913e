// What every `switchboard sandbox <provider>` command does alike: the common flags, numbers and
// lists from flags or the environment, where to listen, --help, and running until a signal.
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Flags every sandbox command takes (spread into its `parseArgs` options). */
export const SANDBOX_FLAGS = {
  port: { type: 'string' },
  host: { type: 'string' },
  rate: { type: 'string' },
  'retry-base-ms': { type: 'string' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

/** The values of a sandbox command's flags: SANDBOX_FLAGS and its own `options`, strictly (unknown flags throw). */
export function parseSandboxFlags<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O) {
  return parseArgs({ args: argv, strict: true as const, options: { ...SANDBOX_FLAGS, ...options } }).values;
}

/** A flag's value as a non-negative number; undefined when absent or empty. */
export function nonNegativeNumber(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} expects a non-negative number, got '${value}'`);
  return n;
}

/** A comma-separated environment value as a list (empty items dropped); undefined when unset. */
export function commaList(value: string | undefined): string[] | undefined {
  return value?.split(',').filter(Boolean);
}

/** `--port` / `--host`, else `<envPrefix>_PORT` / `<envPrefix>_HOST`, else `defaultPort` on 127.0.0.1. */
export function listenAddress(
  values: { port?: string | undefined; host?: string | undefined },
  envPrefix: string,
  defaultPort: number,
): { port: number; host: string } {
  const env = process.env;
  return {
    port: nonNegativeNumber('port', values.port ?? env[`${envPrefix}_PORT`]) ?? defaultPort,
    host: values.host ?? env[`${envPrefix}_HOST`] ?? '127.0.0.1',
  };
}

/** Prints `usage` and answers true when --help was given. */
export function printHelp(values: { help?: boolean | undefined }, usage: string): boolean {
  if (values.help) process.stdout.write(`${usage}\n`);
  return values.help === true;
}

export function printLines(lines: readonly string[]): void {
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Resolves once SIGINT or SIGTERM came and the sandbox closed (or failed to). */
export function closeOnSignal(name: string, sandbox: { close(): Promise<void> }): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.stdout.write(`${name}: ${signal}, shutting down\n`);
      sandbox.close().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
