// Structured logs that never carry secrets: credentials are redacted by path, and the token
// segment of webhook URLs is masked before a request is logged.
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { PinoPretty } from 'pino-pretty';
import { allAdapters } from './providers/registry.js';

/** What every adapter declares as secret: its secrets' field names and its signature headers. */
function providerRedactPaths(): string[] {
  const adapters = allAdapters();
  const headers = adapters.flatMap((a) => a.redactHeaders.map((h) => `req.headers[${JSON.stringify(h.toLowerCase())}]`));
  const fields = adapters.flatMap((a) => Object.keys(a.secretsSchema.properties).map((name) => `*.${name}`));
  return [...new Set([...headers, ...fields])];
}

export const REDACT_PATHS = ['req.headers.authorization', 'secrets', '*.secrets', 'adminToken', 'secretKey', ...providerRedactPaths()];

/** `/webhooks/{integration_id}/{token}/…` → `/webhooks/{integration_id}/***\/…` */
export function maskWebhookUrl(url: string): string {
  return url.replace(/^(\/webhooks\/[^/]+\/)[^/?]+/, '$1***').replace(/^(\/ingest\/sinch\/)[^/?]+/, '$1***');
}

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      req(req: { method: string; url: string; id?: string }) {
        return { method: req.method, url: maskWebhookUrl(req.url), id: req.id };
      },
    },
  };
}

/** `json` for log collectors; `pretty` for a person at a terminal; `auto` picks by whether stdout is one. */
export type LogFormat = 'json' | 'pretty' | 'auto';

export function resolveLogFormat(format: LogFormat, stdoutIsTty: boolean): 'json' | 'pretty' {
  return format === 'auto' ? (stdoutIsTty ? 'pretty' : 'json') : format;
}

/** Readable lines (time, level, message, then the fields) on stdout, written as they come. */
export function prettyStream(colorize: boolean, destination?: NodeJS.WritableStream): DestinationStream {
  return PinoPretty({ colorize, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', ...(destination ? { destination } : {}) });
}

/**
 * The hub's logger. Pretty output goes through the same redaction as JSON: it formats the JSON
 * line pino has already censored.
 */
export function createLogger(level = 'info', destination?: DestinationStream, format: LogFormat = 'json'): Logger {
  if (destination) return pino(loggerOptions(level), destination);
  if (resolveLogFormat(format, process.stdout.isTTY === true) === 'pretty') return pino(loggerOptions(level), prettyStream(process.stdout.isTTY === true));
  return pino(loggerOptions(level));
}

export type { Logger };
