// Reading a `POST /v1.0/message` envelope like CM does (docs/providers/cm.md D.3): request-level
// problems throw CmApiError; message-level problems become a code on the message, which the
// server answers as 201 NotAllSent. Field names are matched case-insensitively: CM's own SDKs
// spell the token `productToken` (Node) where the docs write `producttoken`.
import { countSegments } from '../../core/segments.js';
import { errors, MESSAGE_CODES } from './errors.js';

export const LIMITS = {
  /** CM's most parts for one SMS. */
  maxParts: 8,
  maxAlphanumericSender: 11,
  maxNumericSender: 16,
  maxReference: 32,
} as const;

export type Encoding = 'GSM-7' | 'UCS-2';

export interface Problem {
  code: number;
  details: string;
}

export interface Recipient {
  /** As sent, e.g. 0031612345678. */
  number: string;
  problem?: Problem;
}

export interface ValidatedMessage {
  from: string | null;
  content: string;
  reference: string | null;
  encoding: Encoding;
  parts: number;
  recipients: Recipient[];
  /** A problem of the whole message (every recipient is refused with it). */
  problem?: Problem;
}

export interface Envelope {
  token: string | null;
  messages: ValidatedMessage[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `obj[name]`, whatever the case of the key. */
function field(obj: Obj, name: string): unknown {
  const lower = name.toLowerCase();
  const key = Object.keys(obj).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : obj[key];
}

export function parseEnvelope(raw: string): Envelope {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    throw errors.requestMalformed(e instanceof Error ? e.message : 'unreadable body');
  }
  const messages = isObj(json) ? field(json, 'messages') : undefined;
  if (!isObj(messages)) throw errors.requestMalformed("no 'messages' object");
  const auth = field(messages, 'authentication');
  const token = isObj(auth) ? field(auth, 'producttoken') : undefined;
  const msg = field(messages, 'msg');
  if (!Array.isArray(msg) || msg.length === 0) throw errors.msgArrayIncorrect();
  return { token: typeof token === 'string' && token !== '' ? token : null, messages: msg.map(validateMessage) };
}

const problem = (code: number, details: string): Problem => ({ code, details });

function intField(m: Obj, name: string, fallback: number): number | Problem {
  const v = field(m, name);
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > LIMITS.maxParts) {
    return problem(MESSAGE_CODES.fieldInvalid, `${name} must be an integer from 1 to ${LIMITS.maxParts}`);
  }
  return v;
}

export function validateMessage(value: unknown): ValidatedMessage {
  const m: Obj = isObj(value) ? value : {};
  const recipients = readRecipients(field(m, 'to'));
  const from = field(m, 'from');
  const body = field(m, 'body');
  const content = isObj(body) ? field(body, 'content') : undefined;
  const type = isObj(body) ? field(body, 'type') : undefined;
  const reference = field(m, 'reference');
  const dcs = field(m, 'dcs');
  const text = typeof content === 'string' ? content : '';
  const encoding: Encoding = dcs === 8 ? 'UCS-2' : typeof type === 'string' && type.toLowerCase() === 'auto' ? countSegments(text).encoding : 'GSM-7';
  const parts = countParts(text, encoding);
  const result: ValidatedMessage = {
    from: typeof from === 'string' ? from : null,
    content: text,
    reference: typeof reference === 'string' ? reference : null,
    encoding,
    parts,
    recipients,
  };
  const minParts = intField(m, 'minimumNumberOfMessageParts', 1);
  const maxParts = intField(m, 'maximumNumberOfMessageParts', LIMITS.maxParts);
  const channels = field(m, 'allowedChannels');

  const whole: Problem | undefined =
    typeof from !== 'string' || !validSender(from)
      ? problem(MESSAGE_CODES.fromFieldInvalid, `'from' must be up to ${LIMITS.maxAlphanumericSender} alphanumeric characters or up to ${LIMITS.maxNumericSender} digits`)
      : recipients.length === 0
        ? problem(MESSAGE_CODES.toFieldInvalid, "'to' must be a non-empty array of {number}")
        : typeof content !== 'string' || content === ''
          ? problem(MESSAGE_CODES.bodyFieldInvalid, "'body.content' must be a non-empty string")
          : type !== undefined && (typeof type !== 'string' || !['auto', 'plain'].includes(type.toLowerCase()))
            ? problem(MESSAGE_CODES.fieldInvalid, "'body.type' must be auto or plain")
            : dcs !== undefined && dcs !== 0 && dcs !== 8
              ? problem(MESSAGE_CODES.fieldInvalid, "'dcs' must be 0 or 8")
              : reference !== undefined && reference !== null && (typeof reference !== 'string' || !/^[0-9A-Za-z]{1,32}$/.test(reference))
                ? problem(MESSAGE_CODES.fieldInvalid, `'reference' must be 1 to ${LIMITS.maxReference} letters and digits`)
                : Array.isArray(channels) && !channels.some((c) => typeof c === 'string' && c.toUpperCase() === 'SMS')
                  ? problem(MESSAGE_CODES.fieldInvalid, 'the sandbox simulates the SMS channel only: allowedChannels must include SMS')
                  : typeof minParts !== 'number'
                    ? minParts
                    : typeof maxParts !== 'number'
                      ? maxParts
                      : minParts > maxParts
                        ? problem(MESSAGE_CODES.fieldInvalid, 'minimumNumberOfMessageParts is above maximumNumberOfMessageParts')
                        : parts > maxParts
                          ? problem(MESSAGE_CODES.bodyFieldInvalid, `the body needs ${parts} parts (${encoding}), more than maximumNumberOfMessageParts ${maxParts}`)
                          : undefined;
  return whole ? { ...result, problem: whole } : result;
}

function readRecipients(value: unknown): Recipient[] {
  if (!Array.isArray(value)) return [];
  return value.map((r) => {
    const number = isObj(r) ? field(r, 'number') : undefined;
    if (typeof number !== 'string') return { number: '', problem: problem(MESSAGE_CODES.toFieldInvalid, "each 'to' entry needs a 'number'") };
    return validNumber(number) ? { number } : { number, problem: problem(MESSAGE_CODES.msisdnInvalid, `Gsm '${number}' is not a number.`) };
  });
}

/** Up to 16 digits, or up to 11 letters, digits and spaces ("CM Telecom"). */
export function validSender(from: string): boolean {
  return /^\+?\d{1,16}$/.test(from) || (/^[A-Za-z0-9 ]{1,11}$/.test(from) && /[A-Za-z]/.test(from));
}

/** International: 00 (or +) then a country code and number, 7 to 15 digits in all. */
export function validNumber(number: string): boolean {
  return /^(00|\+)[1-9]\d{6,14}$/.test(number);
}

/**
 * Parts as the hub's segment rules count them. A forced encoding the text does not fit is counted
 * per UTF-16 unit: UCS-2 (dcs 8) at 70/67, GSM-7 (`plain`, non-GSM characters substituted) at 160/153.
 */
export function countParts(text: string, encoding: Encoding): number {
  const counted = countSegments(text);
  if (counted.encoding === encoding) return counted.parts;
  const [single, multi] = encoding === 'UCS-2' ? [70, 67] : [160, 153];
  return text.length <= single ? 1 : Math.ceil(text.length / multi);
}
