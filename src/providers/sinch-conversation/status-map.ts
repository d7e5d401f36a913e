// Conversation API delivery-report vocabulary as data (docs/providers/sinch-conversation.md B.5).
import type { DeliveryStatus } from '../../core/status.js';

/**
 * `message_delivery_report.status` → canonical status. `FAILED` is refined by its reason code
 * (REASON_CODE_STATUS). `null`: recorded without a status — `SWITCHING_CHANNEL` means one channel
 * failed and the next in priority is being tried, so the message's fate is still open.
 * (`QUEUED` exists inside Sinch but is never reported.)
 */
export const DELIVERY_STATUS_MAP: Readonly<Record<string, DeliveryStatus | null>> = {
  QUEUED_ON_CHANNEL: 'sent',
  DELIVERED: 'delivered',
  READ: 'read',
  FAILED: 'failed',
  SWITCHING_CHANNEL: null,
};

/**
 * Every `reason.code` of B.5 (sinch-node reason.ts, sinch-java ReasonCode.java): `rejected`
 * where Sinch or the channel refused the message (bad request, invalid identity, template,
 * permission, policy, configuration), `failed` where delivery was tried and did not succeed.
 */
export const REASON_CODE_STATUS: Readonly<Record<string, 'failed' | 'rejected'>> = {
  UNKNOWN: 'failed',
  INTERNAL_ERROR: 'failed',
  RATE_LIMITED: 'failed', // throttled by the channel: temporary, not a verdict on the message
  RECIPIENT_INVALID_CHANNEL_IDENTITY: 'rejected',
  RECIPIENT_NOT_REACHABLE: 'failed',
  RECIPIENT_NOT_OPTED_IN: 'rejected', // refused for missing consent: a policy refusal before any delivery
  OUTSIDE_ALLOWED_SENDING_WINDOW: 'rejected', // WhatsApp refuses free-form messages outside the 24 h window: policy
  CHANNEL_FAILURE: 'failed',
  CHANNEL_BAD_CONFIGURATION: 'rejected', // the app's channel setup is wrong: refused, a retry cannot help
  CHANNEL_CONFIGURATION_MISSING: 'rejected',
  MEDIA_TYPE_UNSUPPORTED: 'rejected', // the content itself is unacceptable: a bad request
  MEDIA_TOO_LARGE: 'rejected',
  MEDIA_NOT_REACHABLE: 'failed', // our media host did not answer; may be transient
  NO_CHANNELS_LEFT: 'failed', // every channel in the priority order was tried and failed
  TEMPLATE_NOT_FOUND: 'rejected',
  TEMPLATE_INSUFFICIENT_PARAMETERS: 'rejected',
  TEMPLATE_NON_EXISTING_LANGUAGE_OR_VERSION: 'rejected',
  DELIVERY_TIMED_OUT: 'failed',
  DELIVERY_REJECTED_DUE_TO_POLICY: 'rejected',
  CONTACT_NOT_FOUND: 'rejected', // the request named a contact that does not exist: a bad request
  BAD_REQUEST: 'rejected',
  UNKNOWN_APP: 'rejected',
  NO_CHANNEL_IDENTITY_FOR_CONTACT: 'rejected', // no identity to send to on the channel: an invalid recipient
  CHANNEL_REJECT: 'rejected',
  NO_PERMISSION: 'rejected',
  NO_PROFILE_AVAILABLE: 'failed', // the recipient has no usable profile on the channel: like not reachable
  UNSUPPORTED_OPERATION: 'rejected',
  INACTIVE_CREDENTIAL: 'rejected', // the channel credential is disabled: configuration, refused
  MESSAGE_EXPIRED: 'failed', // its TTL ran out before delivery
  MESSAGE_SPLIT_REQUIRED: 'rejected', // too long for the channel and splitting not allowed: a bad request
  DELIVERY_REPORT_TIME_OUT: 'failed', // no report came back in time: the outcome is unknown, counted as failed
};

/**
 * `reason.code`s of a FAILED report that mean the recipient cannot be reached on this channel,
 * so another channel may reach them (the core's fallback, docs/fallback.md). Each is a judgement
 * on the code's meaning in B.5 (sinch-node reason.ts, sinch-java ReasonCode.java):
 * - RECIPIENT_INVALID_CHANNEL_IDENTITY: the number is no identity on the channel (not a WhatsApp
 *   account, not an RCS device): yes.
 * - NO_CHANNEL_IDENTITY_FOR_CONTACT: nothing to send to on this channel: yes.
 * - NO_PROFILE_AVAILABLE: no usable profile on the channel (RCS not supported by the handset or
 *   carrier): yes.
 * - RECIPIENT_NOT_REACHABLE: "could not be reached on the channel"; what Sinch reports for a
 *   number without the channel's app or capability: yes.
 * - OUTSIDE_ALLOWED_SENDING_WINDOW: WhatsApp takes no free-form message outside the 24-hour
 *   window; a channel without a window (SMS) can still carry it: yes.
 * - RECIPIENT_NOT_OPTED_IN: the channel's own opt-in is missing; another channel's consent is
 *   its own (the fallback checks it): yes.
 * Not: NO_CHANNELS_LEFT (Sinch's own channel switching ran out; the reasons were reported on the
 * switches), CHANNEL_REJECT and DELIVERY_REJECTED_DUE_TO_POLICY (the content or sender was
 * refused, which another channel may refuse too), the configuration, template and media codes
 * (our mistake, not the recipient's reach), and the transient ones (RATE_LIMITED,
 * CHANNEL_FAILURE, DELIVERY_TIMED_OUT, MESSAGE_EXPIRED).
 */
export const UNREACHABLE_REASON_CODES: ReadonlySet<string> = new Set([
  'RECIPIENT_INVALID_CHANNEL_IDENTITY',
  'NO_CHANNEL_IDENTITY_FOR_CONTACT',
  'NO_PROFILE_AVAILABLE',
  'RECIPIENT_NOT_REACHABLE',
  'OUTSIDE_ALLOWED_SENDING_WINDOW',
  'RECIPIENT_NOT_OPTED_IN',
]);

/**
 * Canonical status of a delivery report: a DeliveryStatus, `null` for "recorded without a
 * status" (SWITCHING_CHANNEL), or `undefined` for a status word this table does not know.
 * Unknown or missing reason codes on FAILED count as `failed`.
 */
export function mapDeliveryStatus(status: string, reasonCode: string | null): DeliveryStatus | null | undefined {
  if (!Object.hasOwn(DELIVERY_STATUS_MAP, status)) return undefined;
  const mapped = DELIVERY_STATUS_MAP[status] ?? null;
  if (mapped !== 'failed') return mapped;
  return reasonCode !== null && Object.hasOwn(REASON_CODE_STATUS, reasonCode) ? REASON_CODE_STATUS[reasonCode]! : 'failed';
}

/**
 * `opt_in_notification` / `opt_out_notification` statuses that change nothing: the registration
 * failed. Any other status (SUCCEEDED, UNSPECIFIED, none) records the consent change — an
 * opt-out is better honoured once too often than missed.
 */
export const CONSENT_FAILED_STATUSES: ReadonlySet<string> = new Set(['OPT_OUT_FAILED', 'OPT_IN_FAILED']);
