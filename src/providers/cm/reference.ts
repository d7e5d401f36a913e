// The `reference` CM echoes in status reports: 1–32 alphanumeric characters (docs/providers/cm.md
// D.3). The hub's message ids are `msg_` and a 26-character lower-case ULID, so dropping the
// underscore gives a 29-character reference that maps back to the id without any lookup. The
// reference is also kept as the provider message id, so a report matches either way.

const REFERENCE_OF_MESSAGE_ID = /^msg([0-9a-z]{26})$/i;
const MAX_REFERENCE = 32;

/** The CM reference of a hub message id: its letters and digits; null when that is empty or too long. */
export function referenceFor(messageId: string): string | null {
  const reference = messageId.replace(/[^0-9A-Za-z]/g, '');
  return reference.length > 0 && reference.length <= MAX_REFERENCE ? reference : null;
}

/** The hub message id a reference stands for, or null when it is not one made from a hub id. */
export function messageIdFor(reference: string): string | null {
  const m = REFERENCE_OF_MESSAGE_ID.exec(reference.trim());
  return m ? `msg_${m[1]!.toLowerCase()}` : null;
}
