// What erasing a customer leaves of their events (docs/customer-data.md, "Erasing a customer"):
// the event stays, for campaign statistics, but nothing in it identifies the person any more.

/** Event properties that hold a phone number, message text, media or a personalised URL. */
export const PERSONAL_PROPERTIES: readonly string[] = ['recipient', 'sender', 'phone', 'message', 'text', 'body', 'media', 'url', 'comment'];

/** The opaque id an erased customer's remaining rows carry instead of theirs. */
export function erasedToken(random: string): string {
  return `erased_${random}`;
}

/** A JSON object without its PERSONAL_PROPERTIES, marked `erased`; anything else read as `{}`. */
function withoutPersonal(json: string): string {
  let props: Record<string, unknown>;
  try {
    const parsed = JSON.parse(json) as unknown;
    props = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    props = {};
  }
  for (const key of PERSONAL_PROPERTIES) delete props[key];
  props.erased = true;
  return JSON.stringify(props);
}

export function scrubEvent(e: { properties: string; dedup_key: string | null }): { properties: string; dedup_key: string | null } {
  // Direct-send receipts are deduplicated on a key holding the recipient's number.
  const dedup = e.dedup_key !== null && e.dedup_key.startsWith('direct:') ? null : e.dedup_key;
  return { properties: withoutPersonal(e.properties), dedup_key: dedup };
}

/**
 * A message's `last_error` once its customer is erased: the provider's free text (`comment`)
 * can echo the number or the text, so it goes as it goes from events; the reason, status and
 * error codes stay for statistics.
 */
export function scrubLastError(lastError: string): string {
  return withoutPersonal(lastError);
}
