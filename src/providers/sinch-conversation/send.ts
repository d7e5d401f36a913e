// Send one message through the Conversation API (docs/providers/sinch-conversation.md B.3, B.4) and classify the
// answer. Only translation happens here: the core decides what to do with `retry` and `refused`.
import type { MessageContent } from '../../core/content.js';
import type { Channel } from '../../core/status.js';
import { clean } from '../../core/redact.js';
import { describeStatus, isRetryableStatus, isSuccessStatus, sendFailure, postCapped, retryAfterAnswer, type HttpAnswer, type ResponseHeaders, type StatusMeanings } from '../http.js';
import { isRecord, parseJson, stringField } from '../json.js';
import type { OutboundMessage, SendContext, SendResult } from '../types.js';
import { resolveAuthUrl, resolveBaseUrl, type SinchConversationConfig, type SinchConversationSecrets } from './config.js';
import type { SinchConversationTokenCache, TokenCredentials } from './token.js';

/** Our channels → the Conversation API's channel enum (B.3). */
export const CONVERSATION_CHANNELS: Readonly<Record<Channel, string>> = {
  whatsapp: 'WHATSAPP',
  rcs: 'RCS',
  sms: 'SMS',
  mms: 'MMS',
};

/**
 * `channel_properties` key that names the sender on a channel (send-message-request.ts
 * ChannelPropertyKey). WhatsApp and RCS have none: their sender is the WhatsApp sender / RCS
 * agent configured in the app's channel credentials, so `message.from` is ignored there.
 */
const SENDER_PROPERTY: Readonly<Partial<Record<string, string>>> = {
  SMS: 'SMS_SENDER',
  MMS: 'MMS_SENDER',
};

/** Meanings of non-2xx statuses without a Google-style error body (B.4). */
const HTTP_STATUS_ERRORS: StatusMeanings = {
  400: { error: 'INVALID_ARGUMENT', comment: 'Bad request' },
  401: { error: 'UNAUTHENTICATED', comment: 'The access token was refused' },
  403: { error: 'PERMISSION_DENIED', comment: 'Permission denied' },
  404: { error: 'NOT_FOUND', comment: 'Unknown project or app, or an app in another region' },
  429: { error: 'RESOURCE_EXHAUSTED', comment: 'Too many requests' },
  500: { error: 'INTERNAL', comment: 'Internal error' },
  501: { error: 'NOT_IMPLEMENTED', comment: 'Not implemented' },
  503: { error: 'UNAVAILABLE', comment: 'Service unavailable' },
};

/** Thrown by `messageBody` for content it cannot express; the send turns it into a refusal. */
export class UnsendableMessageError extends Error {}

/**
 * The channel identity: E.164 digits without "+". The Conversation API treats WhatsApp and RCS
 * identities as MSISDNs and reports them back in this form (B.5 fixtures, RCS and WhatsApp
 * delivery receipts); the webhook parser accepts both forms and restores the "+".
 */
export function channelIdentity(to: string): string {
  return to.replace(/\D/g, '');
}

/** The Conversation API `message` (AppMessage) for our content; text bodies without content become text messages. */
export function appMessage(content: MessageContent | null, body: string, channel: string): Record<string, unknown> {
  if (!content) {
    if (!body) throw new UnsendableMessageError('the message has neither content nor a text body');
    return { text_message: { text: body } };
  }
  switch (content.type) {
    case 'text':
      return { text_message: { text: content.text } };
    case 'media':
      return {
        media_message: {
          url: content.url,
          ...(content.thumbnail_url ? { thumbnail_url: content.thumbnail_url } : {}),
          ...(content.filename ? { filename_override: content.filename } : {}),
        },
      };
    case 'template': {
      const params = content.parameters && Object.keys(content.parameters).length > 0 ? { parameters: content.parameters } : {};
      if (content.scope === 'omni') {
        // `version` is required for omni templates (template-reference.ts); "latest" picks the newest.
        return {
          template_message: {
            omni_template: {
              template_id: content.template_id,
              version: content.version || 'latest',
              ...(content.language_code ? { language_code: content.language_code } : {}),
              ...params,
            },
          },
        };
      }
      // WhatsApp channel templates take the template name and only the underscored language
      // code (`en_US`, B.3); other channels get the code as given.
      const language = content.language_code
        ? channel === 'WHATSAPP'
          ? content.language_code.replace(/-/g, '_')
          : content.language_code
        : undefined;
      return {
        template_message: {
          channel_template: {
            [channel]: {
              template_id: content.template_id,
              ...(content.version ? { version: content.version } : {}),
              ...(language ? { language_code: language } : {}),
              ...params,
            },
          },
        },
      };
    }
    case 'card':
      return {
        card_message: {
          ...(content.title ? { title: content.title } : {}),
          ...(content.description ? { description: content.description } : {}),
          ...(content.media_url ? { media_message: { url: content.media_url } } : {}),
          ...(content.choices && content.choices.length > 0
            ? {
                // Text choices (choice.ts TextMessageChoice): a quick reply whose postback comes back inbound.
                choices: content.choices.map((c) => ({
                  text_message: { text: c.text },
                  ...(c.postback_data ? { postback_data: c.postback_data } : {}),
                })),
              }
            : {}),
        },
      };
  }
}

/** The `messages:send` request body (B.3). */
export function sendMessageBody(config: Pick<SinchConversationConfig, 'app_id'>, message: OutboundMessage): Record<string, unknown> {
  const channel = CONVERSATION_CHANNELS[message.channel];
  const senderKey = SENDER_PROPERTY[channel];
  return {
    app_id: config.app_id,
    recipient: { identified_by: { channel_identities: [{ channel, identity: channelIdentity(message.to) }] } },
    message: appMessage(message.content, message.body, channel),
    // Only this channel: no silent fallback to another channel (and another price).
    channel_priority_order: [channel],
    ...(senderKey && message.from ? { channel_properties: { [senderKey]: message.from } } : {}),
    // Both come back on delivery reports (`metadata`, envelope `correlation_id`).
    message_metadata: message.messageId,
    correlation_id: message.messageId,
  };
}

export async function sendSinchConversation(
  ctx: SendContext<SinchConversationConfig, SinchConversationSecrets>,
  message: OutboundMessage,
  tokens: SinchConversationTokenCache,
): Promise<SendResult> {
  const timeoutMs = ctx.timeoutMs;
  let body: string;
  try {
    body = JSON.stringify(sendMessageBody(ctx.config, message));
  } catch (err) {
    if (!(err instanceof UnsendableMessageError)) throw err;
    // Refused before any request: 400, as the API would answer an empty message.
    return { kind: 'refused', statusCode: 400, error: 'INVALID_ARGUMENT', comment: err.message };
  }
  const creds: TokenCredentials = {
    authUrl: resolveAuthUrl(ctx.config),
    accessKey: ctx.secrets.access_key,
    accessSecret: ctx.secrets.access_secret,
  };
  const url = `${resolveBaseUrl(ctx.config)}/v1/projects/${encodeURIComponent(ctx.config.project_id)}/messages:send`;

  // A 401 means the token expired or was revoked early: drop it, fetch a new one, try once more.
  for (let attempt = 1; ; attempt++) {
    const got = await tokens.get(creds, { pool: ctx.pool, signal: ctx.signal });
    if (!got.ok) return got.result;
    const secrets = [got.token, ctx.secrets.access_secret];
    let answer: HttpAnswer;
    try {
      answer = await postCapped(url, {
        pool: ctx.pool,
        authorization: `Bearer ${got.token}`,
        contentType: 'application/json',
        body,
        signal: ctx.signal,
        timeoutMs,
      });
    } catch (err) {
      return sendFailure(err, secrets);
    }
    if (answer.statusCode === 401 && attempt === 1) {
      tokens.invalidate(creds, got.token);
      continue;
    }
    return classify(answer.statusCode, answer.headers, answer.text, secrets);
  }
}

export function classify(statusCode: number, headers: ResponseHeaders, text: string, secrets: readonly string[]): SendResult {
  if (isSuccessStatus(statusCode)) {
    // Accepted: never turn this into a retry (that would send twice), even without an id;
    // reports correlate through message_metadata / correlation_id.
    return { kind: 'accepted', providerMessageId: stringField(parseJson(text), 'message_id'), parts: 1 };
  }
  const { error, comment } = describeError(statusCode, text, secrets);
  if (isRetryableStatus(statusCode)) return retryAfterAnswer(statusCode, headers, error, comment);
  return { kind: 'refused', statusCode, error, comment };
}

/** The Google-style `{error: {code, message, status}}` body (B.4), else the HTTP status. */
function describeError(statusCode: number, text: string, secrets: readonly string[]): { error: string; comment: string } {
  const json = parseJson(text);
  const inner = isRecord(json) ? json['error'] : undefined;
  if (isRecord(inner)) {
    const status = typeof inner['status'] === 'string' && inner['status'] ? inner['status'] : undefined;
    const message = clean(stringField(inner, 'message'), secrets);
    if (status || message) {
      const known = describeStatus(statusCode, HTTP_STATUS_ERRORS, message);
      return { error: status ?? known.error, comment: known.comment };
    }
  }
  return describeStatus(statusCode, HTTP_STATUS_ERRORS, clean(text, secrets));
}
