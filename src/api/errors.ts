// One error shape for every failure: {"error": {"code", "message", "field"?}}, 4xx for bad input,
// and a bare 500 (details only in the log) for our own faults.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, type ErrorKind } from '../core/errors.js';

const STATUS_OF: Record<ErrorKind, number> = { invalid: 400, not_found: 404, conflict: 409, unprocessable: 422 };

/** A failure that only exists at the HTTP edge: no or a wrong API key, too many failed sign-ins. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: 401 | 403 | 429,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const unauthorized = () => new HttpError(401, 'unauthorized', 'missing or invalid API key: send Authorization: Bearer <api key>');
export const forbidden = (message: string) => new HttpError(403, 'forbidden', message);

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** `body` + `/audience/customer_ids/3` → `audience.customer_ids[3]` */
function fieldOf(e: AjvError): string {
  const parts = e.instancePath.split('/').filter(Boolean);
  if (e.keyword === 'required' && typeof e.params.missingProperty === 'string') parts.push(e.params.missingProperty);
  if (e.keyword === 'additionalProperties' && typeof e.params.additionalProperty === 'string') parts.push(e.params.additionalProperty);
  return parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

function describe(e: AjvError, field: string): string {
  switch (e.keyword) {
    case 'required':
      return `${field} is required`;
    case 'additionalProperties':
      return `${field} is not a known field`;
    case 'type':
      return `${field} must be ${String(e.params.type)}`;
    default:
      return `${field || 'value'} ${e.message ?? 'is invalid'}`;
  }
}

export function sendError(reply: FastifyReply, status: number, code: string, message: string, field?: string) {
  return reply.code(status).send({ error: { code, message, ...(field ? { field } : {}) } });
}

/** How long a provider is asked to wait when its source has too much pending (seconds). */
export const PENDING_RETRY_AFTER_SECONDS = 60;

/**
 * 429 for a callback not stored because its source has too much waiting to be processed:
 * providers retry on 429, and by then processing has caught up.
 */
export function sendTooManyPending(reply: FastifyReply) {
  reply.header('retry-after', String(PENDING_RETRY_AFTER_SECONDS));
  return sendError(reply, 429, 'too_many_pending', 'too many callbacks from this source are waiting to be processed; retry later');
}

export function errorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  if (err instanceof DomainError) return sendError(reply, STATUS_OF[err.kind], err.code, err.message, err.field);
  if (err instanceof HttpError) return sendError(reply, err.statusCode, err.code, err.message);
  if (err.validation && err.validation.length > 0) {
    const first = err.validation[0] as unknown as AjvError;
    const field = fieldOf(first);
    const where = err.validationContext && err.validationContext !== 'body' ? `${err.validationContext} ` : '';
    return sendError(reply, 400, 'invalid_request', where + describe(first, field), field || undefined);
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return sendError(reply, 413, 'body_too_large', 'the request body is larger than the limit');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return sendError(reply, 415, 'unsupported_media_type', 'send JSON with Content-Type: application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return sendError(reply, 400, 'invalid_json', 'the request body is empty');
  }
  if (err instanceof SyntaxError || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return sendError(reply, 400, 'invalid_json', `the request body is not valid JSON: ${err.message}`);
  }
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) return sendError(reply, status, 'bad_request', err.message);
  req.log.error({ err }, 'request failed');
  return sendError(reply, 500, 'internal_error', 'internal error; the request was not applied');
}
