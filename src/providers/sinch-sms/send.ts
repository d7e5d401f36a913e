// Send one message as a Sinch SMS batch (docs/providers/sinch-sms.md A.3–A.6) and classify the answer.
// Only translation happens here: the core decides what to do with `retry` and `refused`.
import { clean } from '../../core/redact.js';
import { describeStatus, isRetryableStatus, isSuccessStatus, sendFailure, postCapped, retryAfterAnswer, type HttpAnswer, type ResponseHeaders, type StatusMeanings } from '../http.js';
import { isRecord, parseJson, stringField } from '../json.js';
import type { OutboundMessage, SendContext, SendResult } from '../types.js';
import { resolveBaseUrl, type SinchSmsConfig, type SinchSmsSecrets } from './config.js';

/** Meanings of non-2xx statuses without a `{code,text}` body (A.6), used as error/comment. */
const HTTP_STATUS_ERRORS: StatusMeanings = {
  400: { error: 'bad_request', comment: "Request doesn't conform to the API" },
  401: { error: 'unauthorized', comment: 'Authentication token is invalid for this service plan' },
  403: { error: 'forbidden', comment: 'Syntax valid but cannot be performed' },
  404: { error: 'not_found', comment: 'Invalid path or unknown ID' },
  405: { error: 'method_not_allowed', comment: 'Method not allowed' },
  415: { error: 'unsupported_media_type', comment: 'Missing or unsupported Content-Type' },
  429: { error: 'too_many_requests', comment: 'The user or path has too many outstanding requests' },
  500: { error: 'internal_error', comment: 'Internal error' },
  503: { error: 'service_unavailable', comment: 'Service unavailable' },
};

export function batchRequestBody(
  ctx: SendContext<SinchSmsConfig, SinchSmsSecrets>,
  message: OutboundMessage,
): Record<string, unknown> {
  const from = message.from ?? ctx.config.default_sender;
  const callbackUrl = ctx.webhookUrls['delivery'];
  return {
    to: [message.to],
    // No sender: let Sinch's "Automatic Default Originator" pick, if the account has one.
    ...(from ? { from } : {}),
    body: message.body,
    delivery_report: 'per_recipient',
    ...(callbackUrl ? { callback_url: callbackUrl } : {}),
    client_reference: message.messageId,
  };
}

export async function sendSinchSms(
  ctx: SendContext<SinchSmsConfig, SinchSmsSecrets>,
  message: OutboundMessage,
): Promise<SendResult> {
  const token = ctx.secrets.api_token;
  const url = `${resolveBaseUrl(ctx.config)}/xms/v1/${encodeURIComponent(ctx.config.service_plan_id)}/batches`;
  let answer: HttpAnswer;
  try {
    answer = await postCapped(url, {
      pool: ctx.pool,
      authorization: `Bearer ${token}`,
      contentType: 'application/json',
      body: JSON.stringify(batchRequestBody(ctx, message)),
      signal: ctx.signal,
      timeoutMs: ctx.timeoutMs,
    });
  } catch (err) {
    return sendFailure(err, [token]);
  }
  return classify(answer.statusCode, answer.headers, answer.text, token);
}

export function classify(statusCode: number, headers: ResponseHeaders, text: string, token: string): SendResult {
  if (isSuccessStatus(statusCode)) {
    // Sinch created the batch: never turn this into a retry (that would send twice). A body
    // without an id still counts; DLRs correlate through client_reference.
    return { kind: 'accepted', providerMessageId: stringField(parseJson(text), 'id') };
  }
  const { error, comment } = describeError(statusCode, text, [token]);
  if (isRetryableStatus(statusCode)) return retryAfterAnswer(statusCode, headers, error, comment);
  return { kind: 'refused', statusCode, error, comment };
}

/** Sinch's `{code,text}` body (A.6); the OAuth front door's `{error:{status,message}}`; else the raw text. */
function describeError(statusCode: number, text: string, secrets: readonly string[]): { error: string; comment: string } {
  const json = parseJson(text);
  if (isRecord(json) && typeof json['code'] === 'string' && json['code']) {
    return { error: json['code'], comment: clean(stringField(json, 'text'), secrets) };
  }
  const inner = isRecord(json) ? json['error'] : undefined;
  if (isRecord(inner) && typeof inner['status'] === 'string' && inner['status']) {
    return { error: inner['status'], comment: clean(stringField(inner, 'message'), secrets) };
  }
  return describeStatus(statusCode, HTTP_STATUS_ERRORS, clean(text, secrets));
}
