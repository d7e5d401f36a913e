// Twilio REST errors as the sandbox answers them: `{code, message, more_info, status}` with the
// HTTP status (docs/providers/twilio.md C.4). Codes from C.8 and Twilio's error pages; the message texts
// follow the pages' titles (the API's exact wording is only known for 20003 and 21211).

export class TwilioApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }

  get body(): { code: number; message: string; more_info: string; status: number } {
    return { code: this.code, message: this.message, more_info: `https://www.twilio.com/docs/errors/${this.code}`, status: this.status };
  }
}

const bad = (code: number, message: string) => new TwilioApiError(400, code, message);

/** Messages for the codes test numbers force (see test-numbers.ts). */
const FORCED_MESSAGES: Readonly<Record<number, (value: string) => string>> = {
  20429: () => 'Too Many Requests',
  20500: () => 'Internal Server Error',
  21211: (to) => `The 'To' number ${to} is not a valid phone number.`,
  21212: (from) => `The 'From' number ${from} is not a valid phone number, shortcode, or alphanumeric sender ID.`,
  21408: (to) => `Permission to send an SMS has not been enabled for the region indicated by the 'To' number: ${to}.`,
  21606: (from) => `'From' ${from} is not a valid message-capable Twilio number for this destination.`,
  21610: () => "Message cannot be sent to the 'To' number because the customer has replied with STOP",
  21611: (from) => `'From' number ${from} has exceeded the maximum number of queued messages.`,
  21612: (to) => `The To/From combination cannot be connected: 'To' ${to}.`,
  21614: (to) => `'To' number ${to} is not a valid mobile number.`,
};

export const errors = {
  authenticate: () => new TwilioApiError(401, 20003, 'Authenticate'),
  notFound: (path: string) => new TwilioApiError(404, 20404, `The requested resource ${path} was not found`),
  tooManyRequests: () => new TwilioApiError(429, 20429, 'Too Many Requests'),
  internal: () => new TwilioApiError(500, 20500, 'Internal Server Error'),
  toRequired: () => bad(21604, "A 'To' phone number is required."),
  senderRequired: () => bad(21603, "A 'From' or 'MessagingServiceSid' parameter is required to send a message"),
  invalidMessagingService: (sid: string) => bad(21705, `The Messaging Service Sid ${sid} is invalid.`),
  bodyRequired: () => bad(21602, 'Message body is required.'),
  serviceContentRequired: () => bad(21619, 'A text message body, media URL or Content SID is required.'),
  bodyTooLong: () => bad(21658, 'Parameter exceeded character limit: Body may be at most 1600 characters.'),
  tooManyMedia: () => bad(21623, 'Number of media files exceeds allowed limit: at most 10 MediaUrl.'),
  invalidMediaUrl: (url: string) => bad(21620, `Invalid media URL(s): ${url}`),
  /** An error a test number forces; `value` is the number the message names. */
  forced: (status: number, code: number, value: string) =>
    new TwilioApiError(status, code, FORCED_MESSAGES[code]?.(value) ?? `Error ${code}`),
};
