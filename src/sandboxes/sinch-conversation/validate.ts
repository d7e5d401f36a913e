// Structural checks of a `messages:send` body (docs/providers/sinch-conversation.md B.3). Checks that need the app
// (unknown app, channels it lacks) are the server's; unknown templates fail in delivery.ts.
import { errors } from './errors.js';

/** ConversationChannel (B.3). */
export const CONVERSATION_CHANNELS = [
  'WHATSAPP', 'RCS', 'SMS', 'MESSENGER', 'VIBERBM', 'MMS', 'INSTAGRAM', 'TELEGRAM', 'KAKAOTALK', 'KAKAOTALKCHAT', 'LINE', 'WECHAT', 'APPLEBC',
] as const;

/** The AppMessage kinds; a message carries exactly one (B.3). */
export const MESSAGE_KINDS = [
  'text_message', 'media_message', 'template_message', 'card_message', 'choice_message',
  'carousel_message', 'location_message', 'list_message', 'contact_info_message',
] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

export const LIMITS = { messageMetadata: 1024, correlationId: 128, choices: 10 } as const;

export interface ChannelIdentity {
  channel: string;
  identity: string;
}

/** A template the message refers to: omni (channel null) or one channel's. */
export interface TemplateRef {
  channel: string | null;
  template_id: string;
  language_code?: string;
  version?: string;
}

export interface SendRequest {
  appId: string;
  identities: ChannelIdentity[];
  /** The channels to try, in order: channel_priority_order, else the identities' order. */
  channels: string[];
  kind: MessageKind;
  message: Record<string, unknown>;
  templates: TemplateRef[];
  messageMetadata: string;
  correlationId: string;
  callbackUrl?: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isChannel = (v: unknown): v is string => typeof v === 'string' && (CONVERSATION_CHANNELS as readonly string[]).includes(v);
const bad = errors.invalidArgument;

function nonEmptyString(v: unknown, field: string): string {
  if (typeof v !== 'string' || v.trim() === '') throw bad(`Invalid value at '${field}': a non-empty string is required.`);
  return v;
}

function optionalString(v: unknown, field: string, max?: number): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw bad(`Invalid value at '${field}': a string is required.`);
  if (max !== undefined && v.length > max) throw bad(`Invalid value at '${field}': at most ${max} characters are allowed.`);
  return v;
}

function httpUrl(v: unknown, field: string): string {
  const s = nonEmptyString(v, field);
  if (!/^https?:\/\/\S+$/i.test(s)) throw bad(`Invalid value at '${field}': '${s}' is not an http(s) URL.`);
  return s;
}

function templateRef(v: unknown, field: string, channel: string | null): TemplateRef {
  if (!isRecord(v)) throw bad(`Invalid value at '${field}': an object is required.`);
  const ref: TemplateRef = { channel, template_id: nonEmptyString(v['template_id'], `${field}.template_id`) };
  const version = optionalString(v['version'], `${field}.version`);
  // Omni templates need a version (template-reference.ts: required; "latest" picks the newest).
  if (channel === null && !version) throw bad(`Invalid value at '${field}.version': the version of an omni template is required.`);
  if (version) ref.version = version;
  const language = optionalString(v['language_code'], `${field}.language_code`);
  if (language) ref.language_code = language;
  const params = v['parameters'];
  if (params !== undefined && (!isRecord(params) || Object.values(params).some((p) => typeof p !== 'string'))) {
    throw bad(`Invalid value at '${field}.parameters': a map of strings is required.`);
  }
  return ref;
}

function checkContent(kind: MessageKind, content: unknown): TemplateRef[] {
  const field = `message.${kind}`;
  if (!isRecord(content)) throw bad(`Invalid value at '${field}': an object is required.`);
  switch (kind) {
    case 'text_message':
      nonEmptyString(content['text'], `${field}.text`);
      return [];
    case 'media_message':
      httpUrl(content['url'], `${field}.url`);
      if (content['thumbnail_url'] !== undefined) httpUrl(content['thumbnail_url'], `${field}.thumbnail_url`);
      optionalString(content['filename_override'], `${field}.filename_override`);
      return [];
    case 'template_message': {
      const refs: TemplateRef[] = [];
      if (content['omni_template'] !== undefined) refs.push(templateRef(content['omni_template'], `${field}.omni_template`, null));
      const channelTemplates = content['channel_template'];
      if (channelTemplates !== undefined) {
        if (!isRecord(channelTemplates)) throw bad(`Invalid value at '${field}.channel_template': an object is required.`);
        for (const [channel, ref] of Object.entries(channelTemplates)) {
          if (!isChannel(channel)) throw bad(`Invalid value at '${field}.channel_template': unknown channel '${String(channel)}'.`);
          refs.push(templateRef(ref, `${field}.channel_template.${channel}`, channel));
        }
      }
      if (refs.length === 0) throw bad(`Invalid value at '${field}': at least one of omni_template or channel_template is required.`);
      return refs;
    }
    case 'card_message': {
      const choices = content['choices'];
      if (choices !== undefined) {
        if (!Array.isArray(choices)) throw bad(`Invalid value at '${field}.choices': an array is required.`);
        if (choices.length > LIMITS.choices) throw bad(`Invalid value at '${field}.choices': at most ${LIMITS.choices} choices are allowed.`);
        choices.forEach((c, i) => {
          if (!isRecord(c)) throw bad(`Invalid value at '${field}.choices[${i}]': an object is required.`);
        });
      }
      if (content['media_message'] !== undefined) {
        if (!isRecord(content['media_message'])) throw bad(`Invalid value at '${field}.media_message': an object is required.`);
        httpUrl(content['media_message']['url'], `${field}.media_message.url`);
      }
      if (content['title'] === undefined && content['description'] === undefined && content['media_message'] === undefined) {
        throw bad(`Invalid value at '${field}': a card needs a title, a description or media.`);
      }
      return [];
    }
    default:
      return [];
  }
}

/** Validates the body of `POST /v1/projects/{project_id}/messages:send`; throws 400 INVALID_ARGUMENT. */
export function validateSendRequest(body: unknown): SendRequest {
  if (!isRecord(body)) throw bad('Invalid JSON payload received. The request body must be a JSON object.');
  const appId = nonEmptyString(body['app_id'], 'app_id');

  const recipient = body['recipient'];
  if (!isRecord(recipient)) throw bad("Invalid value at 'recipient': the recipient is required.");
  if (recipient['contact_id'] !== undefined && recipient['identified_by'] !== undefined) {
    throw bad("Invalid value at 'recipient': give either contact_id or identified_by, not both.");
  }
  if (recipient['contact_id'] !== undefined) {
    throw bad("Invalid value at 'recipient.contact_id': the sandbox keeps no contacts; use identified_by.channel_identities.");
  }
  const identifiedBy = recipient['identified_by'];
  const list = isRecord(identifiedBy) ? identifiedBy['channel_identities'] : undefined;
  if (!Array.isArray(list) || list.length === 0) {
    throw bad("Invalid value at 'recipient.identified_by.channel_identities': at least one channel identity is required.");
  }
  const identities = list.map((ci, i): ChannelIdentity => {
    const field = `recipient.identified_by.channel_identities[${i}]`;
    if (!isRecord(ci)) throw bad(`Invalid value at '${field}': an object is required.`);
    if (!isChannel(ci['channel'])) throw bad(`Invalid value at '${field}.channel': unknown channel ${JSON.stringify(ci['channel'])}.`);
    return { channel: ci['channel'], identity: nonEmptyString(ci['identity'], `${field}.identity`) };
  });

  const message = body['message'];
  if (!isRecord(message)) throw bad("Invalid value at 'message': the message is required.");
  const kinds = MESSAGE_KINDS.filter((k) => message[k] !== undefined && message[k] !== null);
  if (kinds.length !== 1) {
    throw bad(`Invalid value at 'message': exactly one of ${MESSAGE_KINDS.join(', ')} is required; found ${kinds.length === 0 ? 'none' : kinds.join(', ')}.`);
  }
  const kind = kinds[0]!;
  const templates = checkContent(kind, message[kind]);

  let channels: string[];
  const order = body['channel_priority_order'];
  if (order !== undefined) {
    if (!Array.isArray(order) || order.length === 0) throw bad("Invalid value at 'channel_priority_order': a non-empty array is required.");
    order.forEach((c, i) => {
      if (!isChannel(c)) throw bad(`Invalid value at 'channel_priority_order[${i}]': unknown channel ${JSON.stringify(c)}.`);
    });
    channels = [...new Set(order as string[])];
  } else {
    channels = [...new Set(identities.map((i) => i.channel))];
  }
  for (const channel of channels) {
    if (!identities.some((i) => i.channel === channel)) {
      throw bad(`Invalid value at 'recipient.identified_by.channel_identities': no identity for channel ${channel}.`);
    }
  }

  const callbackUrl = body['callback_url'] === undefined ? undefined : httpUrl(body['callback_url'], 'callback_url');
  return {
    appId,
    identities,
    channels,
    kind,
    message,
    templates,
    messageMetadata: optionalString(body['message_metadata'], 'message_metadata', LIMITS.messageMetadata) ?? '',
    correlationId: optionalString(body['correlation_id'], 'correlation_id', LIMITS.correlationId) ?? '',
    ...(callbackUrl ? { callbackUrl } : {}),
  };
}
