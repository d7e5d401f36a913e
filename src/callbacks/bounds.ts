// What a callback's updates may carry into events, messages and customers, bounded: the text comes
// from whoever holds a webhook URL or an app key, and a body up to the request limit could
// otherwise land in one event property. Identifiers and status words are cut as send results
// are (dispatch/sanitize.ts), so a provider message id still matches the one its send kept.
import { clean, MAX_COMMENT_CHARS } from '../core/redact.js';
import { MAX_ERROR_CHARS, MAX_PROVIDER_ID_CHARS } from '../dispatch/sanitize.js';
import type { CanonicalUpdate, InboundMessage } from '../providers/types.js';

/** A client reference (Sinch's own limit): the hub's message id, or `$uid=…$cat=…`. */
export const MAX_REFERENCE_CHARS = 2048;
/** A phone number, short code, sender id or channel address. */
export const MAX_ADDRESS_CHARS = 128;
/** An inbound message's text: the most the hub sends in one (core/content.ts). */
export const MAX_INBOUND_TEXT_CHARS = 4096;
/** Media of one inbound message: an MMS carries at most 10. */
export const MAX_INBOUND_MEDIA = 10;
/** A media URL; a longer one is dropped, since a cut URL leads nowhere. */
export const MAX_MEDIA_URL_CHARS = 2048;

/** Cut to `max` characters, an ellipsis marking the cut; line breaks kept (unlike `clean`). */
function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

const line = (text: string, max: number) => clean(text, [], max);
const lineOrNull = (text: string | null, max: number) => (text === null ? null : line(text, max));

function boundMedia(media: InboundMessage['media']): InboundMessage['media'] {
  return media
    .filter((m) => m.url.length <= MAX_MEDIA_URL_CHARS)
    .slice(0, MAX_INBOUND_MEDIA)
    .map((m) => ({ url: m.url, contentType: lineOrNull(m.contentType, MAX_ERROR_CHARS) }));
}

/** The update with every free-text field within its bound. */
export function boundUpdate(u: CanonicalUpdate): CanonicalUpdate {
  switch (u.kind) {
    case 'status':
      return {
        ...u,
        messageId: u.messageId === null ? null : clip(u.messageId, MAX_REFERENCE_CHARS),
        providerMessageId: lineOrNull(u.providerMessageId, MAX_PROVIDER_ID_CHARS),
        recipient: lineOrNull(u.recipient, MAX_ADDRESS_CHARS),
        providerStatus: line(u.providerStatus, MAX_ERROR_CHARS),
        error: lineOrNull(u.error, MAX_ERROR_CHARS),
        comment: lineOrNull(u.comment, MAX_COMMENT_CHARS),
      };
    case 'inbound':
      return {
        ...u,
        from: line(u.from, MAX_ADDRESS_CHARS),
        to: line(u.to, MAX_ADDRESS_CHARS),
        text: clip(u.text, MAX_INBOUND_TEXT_CHARS),
        media: boundMedia(u.media),
        providerMessageId: lineOrNull(u.providerMessageId, MAX_PROVIDER_ID_CHARS),
      };
    case 'consent':
      return { ...u, phone: line(u.phone, MAX_ADDRESS_CHARS) };
    case 'ignored':
      return { ...u, reason: line(u.reason, MAX_COMMENT_CHARS) };
  }
}
