// Structured logs that never carry secrets: credentials are redacted by path, and the token
// segment of webhook URLs is masked before a request is logged.
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-sinch-webhook-signature"]',
  'req.headers["x-twilio-signature"]',
  'secrets',
  '*.secrets',
  '*.api_token',
  '*.auth_token',
  '*.access_secret',
  '*.api_key_secret',
  '*.webhook_signing_secret',
  'adminToken',
  'secretKey',
];

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

export function createLogger(level = 'info', destination?: DestinationStream): Logger {
  return destination ? pino(loggerOptions(level), destination) : pino(loggerOptions(level));
}

export type { Logger };
