// Conversation API error answers: the Google-style body of docs/providers/sinch-conversation.md B.4,
// `{"error": {"code": <http>, "message": "…", "status": "INVALID_ARGUMENT"|…, "details": []}}`.

export interface GoogleErrorBody {
  error: { code: number; message: string; status: string; details: unknown[] };
}

/** The canonical Google status for each HTTP status the sandbox answers. */
export const STATUS_NAMES: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

export class ConversationApiError extends Error {
  readonly body: GoogleErrorBody;

  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${status} ${STATUS_NAMES[status] ?? 'UNKNOWN'}: ${message}`);
    this.body = { error: { code: status, message, status: STATUS_NAMES[status] ?? 'UNKNOWN', details: [] } };
  }
}

const BEARER_REALM = 'Bearer realm="conversation-api"';

export const errors = {
  invalidArgument: (message: string) => new ConversationApiError(400, message),
  /** No or unreadable credentials: the SDK does not retry these. */
  unauthenticated: () =>
    new ConversationApiError(
      401,
      'Request had invalid authentication credentials. Expected OAuth 2 access token or other valid authentication credential.',
      { 'www-authenticate': BEARER_REALM },
    ),
  /**
   * A token that was valid once. The word "expired" in WWW-Authenticate is what the official
   * SDK looks for before it drops its cached token and retries (api-fetch-client.js).
   */
  tokenExpired: (revoked: boolean) =>
    new ConversationApiError(401, revoked ? 'The access token was revoked.' : 'The access token expired.', {
      'www-authenticate': `${BEARER_REALM}, error="invalid_token", error_description="${revoked ? 'The access token expired or was revoked' : 'The access token expired'}"`,
    }),
  permissionDenied: (message: string) => new ConversationApiError(403, message),
  notFound: (message: string) => new ConversationApiError(404, message),
  tooManyRequests: () => new ConversationApiError(429, 'Too many requests, please slow down and retry later.', { 'retry-after': '1' }),
  internal: () => new ConversationApiError(500, 'Internal error encountered.'),
  unavailable: () => new ConversationApiError(503, 'The service is currently unavailable.'),
};

/** OAuth2 token endpoint errors use RFC 6749 §5.2 `{error, error_description}` instead. */
export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly description: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${status} ${code}: ${description}`);
  }

  get body(): { error: string; error_description: string } {
    return { error: this.code, error_description: this.description };
  }
}
