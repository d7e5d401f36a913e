// Send one SMS through CM.com's Business Messaging API (docs/providers/cm.md D.3–D.5) and classify
// the answer. Only translation happens here: the core decides what to do with `retry` and `refused`.
import { clean } from '../../core/redact.js';
import { describeStatus, isRetryableStatus, isSuccessStatus, postCapped, retryAfterAnswer, sendFailure, type HttpAnswer, type ResponseHeaders, type StatusMeanings } from '../http.js';
import { isRecord, parseJson, stringField } from '../json.js';
import type { OutboundMessage, SendContext, SendResult } from '../types.js';
import { messageUrl, type CmConfig, type CmSecrets } from './config.js';
import { referenceFor } from './reference.js';
import { requestCode } from './status-map.js';

/** CM documents at most 8 parts for a concatenated SMS (D.3). */
export const MAX_PARTS = 8;

/** Meanings of HTTP statuses that came without CM's JSON body (a proxy, a load balancer). */
const HTTP_STATUS_ERRORS: StatusMeanings = {
  400: { error: 'bad_request', comment: 'Bad request' },
  401: { error: 'unauthorized', comment: 'Unauthorized' },
  403: { error: 'forbidden', comment: 'Forbidden' },
  404: { error: 'not_found', comment: 'Not found; check base_url' },
  429: { error: 'too_many_requests', comment: 'Too many requests' },
  500: { error: 'internal_error', comment: 'Internal error' },
  503: { error: 'service_unavailable', comment: 'Service unavailable' },
};

/** CM wants international numbers as 00, country code and number, without "+" (D.3). */
export function cmNumber(e164: string): string {
  return `00${e164.replace(/\D/g, '')}`;
}

/** A phone-number sender loses its "+" (CM takes up to 16 digits); other senders go as given. */
export function cmSender(sender: string): string {
  return /^\+\d+$/.test(sender) ? sender.slice(1) : sender;
}

export function messageRequestBody(token: string, config: CmConfig, message: OutboundMessage, reference: string): Record<string, unknown> {
  const from = message.from ?? config.default_sender;
  return {
    messages: {
      authentication: { producttoken: token },
      msg: [
        {
          // No sender: CM answers FromFieldInvalid, which names the problem better than a guess.
          ...(from ? { from: cmSender(from) } : {}),
          to: [{ number: cmNumber(message.to) }],
          // `auto`: CM picks GSM-7 or UCS-2 from the text, as the hub's part count assumes.
          body: { type: 'auto', content: message.body },
          reference,
          allowedChannels: ['SMS'],
          minimumNumberOfMessageParts: 1,
          maximumNumberOfMessageParts: MAX_PARTS,
        },
      ],
    },
  };
}

export async function sendCm(ctx: SendContext<CmConfig, CmSecrets>, message: OutboundMessage): Promise<SendResult> {
  const token = ctx.secrets.product_token;
  const reference = referenceFor(message.messageId);
  if (!reference) {
    return { kind: 'refused', statusCode: null, error: 'reference_unavailable', comment: 'The message id has no CM reference form (1-32 letters and digits)', fault: 'message' };
  }
  let answer: HttpAnswer;
  try {
    answer = await postCapped(messageUrl(ctx.config), {
      pool: ctx.pool,
      contentType: 'application/json',
      body: JSON.stringify(messageRequestBody(token, ctx.config, message, reference)),
      signal: ctx.signal,
      timeoutMs: ctx.timeoutMs,
    });
  } catch (err) {
    return sendFailure(err, [token]);
  }
  return classify(answer.statusCode, answer.headers, answer.text, reference, [token]);
}

/**
 * Maps CM's answer to a SendResult. CM does not document which HTTP status goes with which
 * `errorCode`, so a JSON body with a numeric `errorCode` decides whatever the status (D.5); only
 * a 429 is always a retry. A message entry marked `Rejected` is a refusal even without an
 * `errorCode` (older answers carry none, D.4). Without CM's body, the HTTP status decides.
 */
export function classify(statusCode: number, headers: ResponseHeaders, text: string, reference: string, secrets: readonly string[]): SendResult {
  const json = parseJson(text);
  const errorCode = isRecord(json) && typeof json['errorCode'] === 'number' ? json['errorCode'] : null;
  const entry = firstMessage(json);
  const rejected = isRecord(entry) && typeof entry['status'] === 'string' && entry['status'].toLowerCase() === 'rejected';

  if (errorCode === null && !rejected) {
    // CM took the request but sent no body we can read: never turn that into a retry (a duplicate).
    if (isSuccessStatus(statusCode)) return accepted(entry, reference);
    const { error, comment } = describeStatus(statusCode, HTTP_STATUS_ERRORS, clean(text, secrets));
    if (isRetryableStatus(statusCode)) return retryAfterAnswer(statusCode, headers, error, comment);
    return { kind: 'refused', statusCode, error, comment };
  }
  if (errorCode === 0 && !rejected) return accepted(entry, reference);

  // An account-level code wins; else the message's own code, which says more than 201 NotAllSent.
  const messageCode = isRecord(entry) && typeof entry['messageErrorCode'] === 'number' && entry['messageErrorCode'] !== 0 ? entry['messageErrorCode'] : null;
  const accountProblem = errorCode !== null && requestCode(errorCode).fault === 'account';
  const code = !accountProblem && messageCode !== null ? messageCode : errorCode !== null && errorCode !== 0 ? errorCode : null;
  // The text that goes with the code chosen: the message's own, or the request's.
  const [first, second] = code === messageCode || code === null ? [stringField(entry, 'messageDetails'), stringField(json, 'details')] : [stringField(json, 'details'), stringField(entry, 'messageDetails')];
  const detail = clean(first || second, secrets);
  if (code === null) {
    // Rejected without any code: a refusal of this message, named by CM's text.
    return { kind: 'refused', statusCode, error: 'rejected', comment: detail || 'Rejected' };
  }
  const meaning = requestCode(code);
  const error = String(code);
  const comment = detail ? `${meaning.name}: ${detail}` : meaning.name;
  if (statusCode === 429 || meaning.fault === 'transient') return retryAfterAnswer(statusCode, headers, error, comment);
  // An account code (a wrong token, no balance) refuses every message alike: failover's business.
  return { kind: 'refused', statusCode, error, comment, fault: meaning.fault === 'account' ? 'provider' : 'message' };
}

function accepted(entry: unknown, reference: string): SendResult {
  const parts = isRecord(entry) && typeof entry['parts'] === 'number' && Number.isInteger(entry['parts']) && entry['parts'] > 0 ? entry['parts'] : undefined;
  return { kind: 'accepted', providerMessageId: reference, ...(parts !== undefined ? { parts } : {}) };
}

function firstMessage(json: unknown): unknown {
  const messages = isRecord(json) ? json['messages'] : undefined;
  return Array.isArray(messages) ? messages[0] : undefined;
}
