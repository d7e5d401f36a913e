// Decides, before anything is stored, whether a direct-send callback can be taken.
import { MAX_CUSTOMER_ID_CHARS, parseClientReference } from '../core/client-reference.js';

const REPORT_TYPES = new Set(['recipient_delivery_report_sms', 'recipient_delivery_report_mms', 'delivery_report_sms', 'delivery_report_mms']);

export type IngestCheck =
  | { ok: true }
  | { ok: false; status: 400 | 422; reason: string; clientReference: string | null; batchId: string | null };

/**
 * Decides, before anything is stored, whether a callback can be taken: only delivery reports
 * whose client_reference names a customer. Everything else is refused with a 4xx, which Sinch
 * does not retry.
 */
export function checkDirectReport(rawBody: Buffer): IngestCheck {
  let json: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(rawBody.toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
    json = parsed as Record<string, unknown>;
  } catch (err) {
    return { ok: false, status: 400, reason: `the body is not a JSON object: ${(err as Error).message}`, clientReference: null, batchId: null };
  }
  const clientReference = typeof json.client_reference === 'string' ? json.client_reference : null;
  const batchId = typeof json.batch_id === 'string' ? json.batch_id : null;
  if (typeof json.type !== 'string' || !REPORT_TYPES.has(json.type)) {
    return { ok: false, status: 400, reason: `not a delivery report (type ${JSON.stringify(json.type ?? null)})`, clientReference, batchId };
  }
  const { uid } = parseClientReference(clientReference);
  if (!uid) {
    return { ok: false, status: 422, reason: 'client_reference carries no $uid=<customer_id>', clientReference, batchId };
  }
  if (uid.length > MAX_CUSTOMER_ID_CHARS) {
    return { ok: false, status: 422, reason: `the $uid of client_reference is longer than ${MAX_CUSTOMER_ID_CHARS} characters`, clientReference, batchId };
  }
  return { ok: true };
}

