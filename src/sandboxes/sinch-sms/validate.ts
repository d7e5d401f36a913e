// Validation of an `mt_text` batch request, with the error codes and limits Sinch documents
// (docs/providers/sinch-sms.md A.4, A.6). Returns the normalized request or throws a SinchApiError.
import { errors } from './errors.js';

export const DELIVERY_REPORT_TYPES = ['none', 'summary', 'full', 'per_recipient', 'per_recipient_final'] as const;
export type DeliveryReportType = (typeof DELIVERY_REPORT_TYPES)[number];

export const LIMITS = {
  minRecipients: 1,
  maxRecipients: 1000,
  // The 2020 docs say 1600, the current API reference and the .NET SDK 2000: accept the larger.
  maxBodyChars: 2000,
  // The 2020 docs say 128; the current reference shows 2048. 128 catches clients that rely on more.
  maxClientReference: 128,
  maxCallbackUrl: 2048,
  maxParameterKey: 16,
  maxParameterValue: 160,
  /** Default and maximum validity: 3 days after send_at. */
  maxValidityMs: 3 * 24 * 60 * 60 * 1000,
} as const;

export type ParameterGroup = Record<string, Record<string, string>>;

export interface TextBatchRequest {
  type: 'mt_text';
  to: string[];
  from?: string;
  body: string;
  delivery_report: DeliveryReportType;
  send_at?: Date;
  expire_at?: Date;
  callback_url?: string;
  client_reference?: string;
  feedback_enabled?: boolean;
  flash_message?: boolean;
  truncate_concat?: boolean;
  max_number_of_message_parts?: number;
  from_ton?: number;
  from_npi?: number;
  parameters?: ParameterGroup;
}

/** An MSISDN as Sinch accepts it: optional "+", no leading 0, 7 to 15 digits (E.164 length). */
const MSISDN = /^\+?[1-9]\d{6,14}$/;
/** Group IDs look like batch IDs (ULID-like, Crockford base32). */
const GROUP_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/i;
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
const PARAMETER_KEY = /^[A-Za-z0-9._-]+$/;

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function optionalString(req: Json, name: string): string | undefined {
  const v = req[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw errors.invalidFormat(name, v, 'a string');
  return v;
}

function optionalBoolean(req: Json, name: string): boolean | undefined {
  const v = req[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw errors.invalidFormat(name, v, 'a boolean');
  return v;
}

function optionalInt(req: Json, name: string, min: number, max: number): number | undefined {
  const v = req[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw errors.invalidFormat(name, v, 'an integer');
  if (v < min || v > max) throw errors.constraint(`Parameter '${name}' must be between ${min} and ${max}; was ${v}.`);
  return v;
}

function optionalTimestamp(req: Json, name: string): Date | undefined {
  const v = optionalString(req, name);
  if (v === undefined) return undefined;
  const ms = Date.parse(v);
  if (!ISO_TIMESTAMP.test(v) || Number.isNaN(ms)) throw errors.invalidFormat(name, v, 'a valid ISO-8601 timestamp');
  return new Date(ms);
}

function recipients(req: Json): string[] {
  const to = req['to'];
  if (to === undefined || to === null) throw errors.constraint("Missing required parameter 'to'.");
  if (!Array.isArray(to)) throw errors.invalidFormat('to', to, 'a list of MSISDNs or group IDs');
  if (to.length < LIMITS.minRecipients || to.length > LIMITS.maxRecipients) {
    throw errors.constraint(
      `Parameter 'to' must have between ${LIMITS.minRecipients} and ${LIMITS.maxRecipients} elements; had ${to.length}.`,
    );
  }
  to.forEach((v: unknown, i) => {
    if (typeof v === 'string' && GROUP_ID.test(v)) throw errors.unknownGroup(v); // the sandbox has no groups
    if (typeof v !== 'string' || !MSISDN.test(v)) throw errors.invalidFormat(`to[${i}]`, v, 'a valid MSISDN or group ID');
  });
  return to as string[];
}

function parameters(req: Json): ParameterGroup | undefined {
  const v = req['parameters'];
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw errors.invalidFormat('parameters', v, 'an object');
  for (const [key, values] of Object.entries(v)) {
    if (!PARAMETER_KEY.test(key) || key.length > LIMITS.maxParameterKey) {
      throw errors.constraint(
        `Parameter key '${key}' must be 1 to ${LIMITS.maxParameterKey} characters of A-Z, a-z, 0-9, '.', '-' and '_'.`,
      );
    }
    if (!isObject(values)) throw errors.invalidFormat(`parameters.${key}`, values, 'an object');
    for (const [recipient, value] of Object.entries(values)) {
      if (typeof value !== 'string') throw errors.invalidFormat(`parameters.${key}.${recipient}`, value, 'a string');
      if ([...value].length > LIMITS.maxParameterValue) {
        throw errors.constraint(`Parameter 'parameters.${key}.${recipient}' must be at most ${LIMITS.maxParameterValue} characters.`);
      }
    }
  }
  return v as ParameterGroup;
}

export function validateTextBatch(input: unknown, now: Date): TextBatchRequest {
  if (!isObject(input)) throw errors.invalidJson('expected a JSON object');

  const type = input['type'] ?? 'mt_text';
  if (type === 'mt_binary' || type === 'mt_media') {
    throw errors.constraint(`Batch type '${type}' is not supported by the sandbox; use 'mt_text'.`);
  }
  if (type !== 'mt_text') throw errors.invalidFormat('type', type, 'a valid batch type');

  const to = recipients(input);

  const body = input['body'];
  if (body === undefined || body === null) throw errors.constraint("Missing required parameter 'body'.");
  if (typeof body !== 'string') throw errors.invalidFormat('body', body, 'a string');
  const bodyChars = [...body].length;
  if (bodyChars > LIMITS.maxBodyChars) {
    throw errors.constraint(`Parameter 'body' must be at most ${LIMITS.maxBodyChars} characters; was ${bodyChars}.`);
  }

  const deliveryReport = input['delivery_report'] ?? 'none';
  if (!DELIVERY_REPORT_TYPES.includes(deliveryReport as DeliveryReportType)) {
    throw errors.invalidFormat('delivery_report', deliveryReport, `one of ${DELIVERY_REPORT_TYPES.join(', ')}`);
  }

  const sendAt = optionalTimestamp(input, 'send_at');
  const expireAt = optionalTimestamp(input, 'expire_at');
  const start = sendAt && sendAt > now ? sendAt : now;
  if (expireAt && expireAt <= start) throw errors.constraint("Parameter 'expire_at' must be after 'send_at'.");
  if (expireAt && expireAt.getTime() - start.getTime() > LIMITS.maxValidityMs) {
    throw errors.constraint("Parameter 'expire_at' must be at most 3 days after 'send_at'.");
  }

  const callbackUrl = optionalString(input, 'callback_url');
  if (callbackUrl !== undefined) {
    if (callbackUrl.length > LIMITS.maxCallbackUrl) {
      throw errors.constraint(`Parameter 'callback_url' must be at most ${LIMITS.maxCallbackUrl} characters.`);
    }
    if (!/^https?:\/\//i.test(callbackUrl) || !URL.canParse(callbackUrl)) {
      throw errors.invalidFormat('callback_url', callbackUrl, 'a valid URL');
    }
  }

  const clientReference = optionalString(input, 'client_reference');
  if (clientReference !== undefined && clientReference.length > LIMITS.maxClientReference) {
    throw errors.constraint(
      `Parameter 'client_reference' must be at most ${LIMITS.maxClientReference} characters; was ${clientReference.length}.`,
    );
  }

  return {
    type: 'mt_text',
    to,
    from: optionalString(input, 'from'),
    body,
    delivery_report: deliveryReport as DeliveryReportType,
    send_at: sendAt,
    expire_at: expireAt,
    callback_url: callbackUrl,
    client_reference: clientReference,
    feedback_enabled: optionalBoolean(input, 'feedback_enabled'),
    flash_message: optionalBoolean(input, 'flash_message'),
    truncate_concat: optionalBoolean(input, 'truncate_concat'),
    max_number_of_message_parts: optionalInt(input, 'max_number_of_message_parts', 1, Number.MAX_SAFE_INTEGER),
    from_ton: optionalInt(input, 'from_ton', 0, 6),
    from_npi: optionalInt(input, 'from_npi', 0, 18),
    parameters: parameters(input),
  };
}

/**
 * The body one recipient gets: `${key}` replaced by the recipient's value or the key's default.
 * Returns the keys with no value for this recipient (the message is then aborted with code 405).
 */
export function personalize(req: TextBatchRequest, recipient: string): { body: string; unmatched: string[] } {
  const unmatched: string[] = [];
  if (!req.parameters) return { body: req.body, unmatched };
  const digits = recipient.replace(/^\+/, '');
  const body = req.body.replace(/\$\{([A-Za-z0-9._-]+)\}/g, (whole, key: string) => {
    const values = req.parameters?.[key];
    if (!values) return whole; // not a declared parameter: left as written
    const value = values[recipient] ?? values[digits] ?? values[`+${digits}`] ?? values['default'];
    if (value === undefined) unmatched.push(key);
    return value ?? whole;
  });
  return { body, unmatched };
}
