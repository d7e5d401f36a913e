// CM.com's answer bodies: `{details, errorCode, messages[]}` (docs/providers/cm.md D.4, D.5). CM
// does not document which HTTP status goes with which errorCode; the simulator's pairing is its
// own (README.md) and the adapter does not rely on it.

export interface CmMessageResult {
  to: string;
  status: 'Accepted' | 'Rejected';
  reference: string | null;
  parts: number;
  messageDetails: string | null;
  messageErrorCode: number;
}

export interface CmAnswer {
  details: string;
  errorCode: number;
  messages: CmMessageResult[];
}

export class CmApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: CmAnswer,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${status} ${body.errorCode}: ${body.details}`);
  }
}

const err = (status: number, errorCode: number, details: string, headers?: Record<string, string>) =>
  new CmApiError(status, { details, errorCode, messages: [] }, headers);

/** Request-level errors (CM.Text TextClientStatusCode). */
export const errors = {
  authenticationFailed: () => err(401, 101, 'No account found for the given authentication'),
  balanceInsufficient: () => err(402, 102, 'Insufficient balance'),
  requestMalformed: (detail: string) => err(400, 202, `Request malformed: ${detail}`),
  msgArrayIncorrect: () => err(400, 203, 'The msg array is missing or empty'),
  tooManyRequests: () => err(429, 999, 'Too many requests', { 'retry-after': '1' }),
  internal: () => err(500, 500, 'Internal server error'),
  unknown: () => err(500, 999, 'Unknown error'),
};

/** Message-level codes the validator and the test numbers give. */
export const MESSAGE_CODES = {
  fromFieldInvalid: 301,
  toFieldInvalid: 302,
  msisdnInvalid: 303,
  bodyFieldInvalid: 304,
  fieldInvalid: 305,
  spamFiltered: 401,
  blackListed: 402,
  rejected: 403,
} as const;
