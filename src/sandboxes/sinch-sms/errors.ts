// Sinch SMS error answers. Sinch documents the `{code, text}` body for 400 and 403 (A.6); the
// simulator uses the same shape for its other error statuses so clients see one format.

export interface SinchError {
  code: string;
  text: string;
}

export class SinchApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: SinchError,
  ) {
    super(`${status} ${body.code}: ${body.text}`);
  }
}

const err = (status: number, code: string, text: string) => new SinchApiError(status, { code, text });

export const errors = {
  invalidJson: (detail: string) => err(400, 'syntax_invalid_json', `The JSON request body is malformed: ${detail}`),
  invalidFormat: (param: string, value: unknown, expected: string) =>
    err(400, 'syntax_invalid_parameter_format', `The format of parameter '${param}' is invalid; value ${describe(value)} is not ${expected}.`),
  constraint: (text: string) => err(400, 'syntax_constraint_violation', text),
  missingCallbackUrl: () => err(403, 'missing_callback_url', 'Requesting delivery report without any callback URL.'),
  unknownGroup: (id: string) => err(403, 'unknown_group', `Group '${id}' is unknown.`),
  unauthorized: () => err(401, 'unauthorized', 'Authentication token is invalid for this service plan'),
  notFound: (what: string) => err(404, 'not_found', `${what} does not exist`),
  unsupportedMediaType: () => err(415, 'unsupported_media_type', 'Missing or unsupported Content-Type, expected application/json'),
  tooManyRequests: () => err(429, 'too_many_requests', 'The user or path has too many outstanding requests'),
  internal: () => err(500, 'internal_error', 'Internal error'),
  unavailable: () => err(503, 'service_unavailable', 'Service unavailable'),
};

/** Sinch quotes string values and prints others as JSON (e.g. `value '+1'`). */
function describe(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value) ?? String(value);
}

/** The error a test number forces on the send request. */
export function forcedSendError(status: 429 | 500 | 503): SinchApiError {
  return status === 429 ? errors.tooManyRequests() : status === 500 ? errors.internal() : errors.unavailable();
}
