// Create Message checks (docs/providers/twilio.md C.1), in Twilio's order and with its error
// codes, and the form-parameter helpers the routes share.
import { isMessagingServiceSid } from '../../providers/twilio/config.js';
import { errors } from './errors.js';
import { MAGIC_FROM_NUMBERS, MAGIC_TO_NUMBERS } from './test-numbers.js';

/** A decoded form: repeated keys (`MediaUrl`) give arrays. */
export type Params = Record<string, string | string[]>;

/** Body limit of Create Message (C.1), in UTF-16 code units as JavaScript counts them. */
const MAX_BODY_CHARS = 1600;
const MAX_MEDIA = 10;

export function first(params: Params, key: string): string | undefined {
  const v = params[key];
  return typeof v === 'string' ? v : v?.[0];
}

export function all(params: Params, key: string): string[] {
  const v = params[key];
  return v === undefined ? [] : typeof v === 'string' ? [v] : v;
}

const E164 = /^\+[1-9]\d{6,14}$/;
const SHORT_CODE = /^\d{3,8}$/;
const ALPHANUMERIC_SENDER = /^(?=.*[A-Za-z])[A-Za-z0-9 +\-_&.]{1,11}$/;

export function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

export interface CreateRequest {
  to: string;
  from?: string;
  messagingServiceSid?: string;
  body: string;
  media: string[];
  statusCallback?: string;
}

/** Create Message checks, in order, with the codes Twilio documents for them. */
export function validateCreate(params: Params): CreateRequest {
  const to = first(params, 'To');
  const from = first(params, 'From') || undefined;
  const service = first(params, 'MessagingServiceSid') || undefined;
  const body = first(params, 'Body') ?? '';
  const media = all(params, 'MediaUrl').filter((u) => u !== '');
  const hasContent = body !== '' || media.length > 0 || !!first(params, 'ContentSid');

  if (!to) throw errors.toRequired();
  if (!from && !service) throw errors.senderRequired();
  if (service && !isMessagingServiceSid(service)) throw errors.invalidMessagingService(service);
  if (!E164.test(to)) throw errors.forced(400, 21211, to);
  if (from && !E164.test(from) && !SHORT_CODE.test(from) && !ALPHANUMERIC_SENDER.test(from)) throw errors.forced(400, 21212, from);
  if (!hasContent) throw service && !from ? errors.serviceContentRequired() : errors.bodyRequired();
  if (body.length > MAX_BODY_CHARS) throw errors.bodyTooLong();
  if (media.length > MAX_MEDIA) throw errors.tooManyMedia();
  const badMedia = media.find((u) => !isHttpUrl(u));
  if (badMedia !== undefined) throw errors.invalidMediaUrl(badMedia);

  const magicFrom = from ? MAGIC_FROM_NUMBERS[from] : undefined;
  if (magicFrom && from) throw errors.forced(400, magicFrom.code, from);
  const magicTo = MAGIC_TO_NUMBERS[to];
  if (magicTo) throw errors.forced(400, magicTo.code, to);

  const statusCallback = first(params, 'StatusCallback') || undefined;
  return { to, from, messagingServiceSid: service, body, media, statusCallback };
}
