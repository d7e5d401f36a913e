// Send one message with Twilio's Create Message operation (docs/providers/twilio.md C.1–C.4) and
// classify the answer. Only translation happens here: the core decides what to do with
// `retry` and `refused`.
import { clean } from '../../core/redact.js';
import { isRetryableStatus, isSuccessStatus, sendFailure, postCapped, retryAfterAnswer, type HttpAnswer, type ResponseHeaders } from '../http.js';
import { isRecord, parseJson, stringField } from '../json.js';
import type { OutboundMessage, SendContext, SendResult } from '../types.js';
import { isMessagingServiceSid, messagesUrl, type TwilioConfig, type TwilioSecrets } from './config.js';
import { OPTED_OUT_ERROR_CODE, TOO_MANY_REQUESTS_ERROR_CODE, UNREACHABLE_ERROR_CODES } from './status-map.js';

/** Twilio takes at most ten `MediaUrl` per message (C.1). */
export const MAX_MEDIA_URLS = 10;

/** The form fields of the Create Message request. */
export function createMessageForm(message: OutboundMessage): URLSearchParams {
  const form = new URLSearchParams();
  form.set('To', message.to);
  // No sender: send none and let Twilio answer (21603) rather than guess one here.
  if (message.from) form.set(isMessagingServiceSid(message.from) ? 'MessagingServiceSid' : 'From', message.from);
  const media = message.channel === 'mms' ? message.media : [];
  // An MMS may be media only; an empty Body with no media is Twilio's to refuse (21602).
  if (message.body !== '' || media.length === 0) form.set('Body', message.body);
  for (const url of media) form.append('MediaUrl', url);
  if (message.statusCallbackUrl) form.set('StatusCallback', message.statusCallbackUrl);
  return form;
}

export async function sendTwilio(
  ctx: SendContext<TwilioConfig, TwilioSecrets>,
  message: OutboundMessage,
): Promise<SendResult> {
  const { api_key_sid: keySid, api_key_secret: keySecret } = ctx.secrets;
  const basic = Buffer.from(`${keySid}:${keySecret}`, 'utf8').toString('base64');
  // Nothing that authenticates may leak into an event's comment.
  const secrets = [keySecret, ctx.secrets.auth_token, basic];
  let answer: HttpAnswer;
  try {
    answer = await postCapped(messagesUrl(ctx.config), {
      pool: ctx.pool,
      authorization: `Basic ${basic}`,
      contentType: 'application/x-www-form-urlencoded',
      body: createMessageForm(message).toString(),
      signal: ctx.signal,
      timeoutMs: ctx.timeoutMs,
    });
  } catch (err) {
    return sendFailure(err, secrets);
  }
  return classify(answer.statusCode, answer.headers, answer.text, secrets);
}

/** Maps an HTTP answer of Create Message to a SendResult. `secrets` never reach the output. */
export function classify(statusCode: number, headers: ResponseHeaders, text: string, secrets: readonly string[] = []): SendResult {
  const json = parseJson(text);
  if (isSuccessStatus(statusCode)) {
    // Twilio created the message: never turn this into a retry (that would send twice).
    // `num_segments` is a string, "0" for Messaging Service sends until a sender is chosen (C.2).
    const segments = isRecord(json) ? Number(json['num_segments']) : NaN;
    return {
      kind: 'accepted',
      providerMessageId: stringField(json, 'sid'),
      ...(Number.isInteger(segments) && segments > 0 ? { parts: segments } : {}),
    };
  }

  const body = isRecord(json) ? json : {};
  const code = typeof body['code'] === 'number' || (typeof body['code'] === 'string' && /^\d+$/.test(body['code']))
    ? Number(body['code'])
    : null;
  const message = stringField(body, 'message');
  const error = code !== null ? String(code) : `http_${statusCode}`;
  const comment = clean(message || (code === null ? text : ''), secrets) || `HTTP ${statusCode}`;

  if (isRetryableStatus(statusCode) || code === TOO_MANY_REQUESTS_ERROR_CODE) return retryAfterAnswer(statusCode, headers, error, comment);
  return {
    kind: 'refused',
    statusCode,
    error,
    comment,
    ...(code === OPTED_OUT_ERROR_CODE ? { optedOut: true } : {}),
    ...(code !== null && UNREACHABLE_ERROR_CODES.has(code) ? { unreachable: true } : {}),
  };
}
