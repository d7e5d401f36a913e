// The message resource of `GET /v1/projects/{project_id}/messages/{message_id}` and the messages
// list, as the official SDK's `messages.get` / `messages.list` read them: a ConversationMessage
// (`id`, `direction`, `app_message`, `channel_identity`, `accept_time`, `message_status`, …) and
// `{messages, next_page_token, total_size}` pages, newest first, paged by an opaque token.
import { errors } from './errors.js';
import type { SandboxMessage } from './types.js';

/** Sinch's page_size default and ceiling for the messages list. */
const DEFAULT_PAGE_SIZE = 10;
const MAX_PAGE_SIZE = 1000;
const SOURCES = ['CONVERSATION_SOURCE', 'DISPATCH_SOURCE'];
const DIRECTIONS = ['TO_APP', 'TO_CONTACT', 'UNDEFINED_DIRECTION'];

export function messageResource(m: SandboxMessage): Record<string, unknown> {
  const last = m.reports.at(-1);
  return {
    id: m.messageId,
    direction: 'TO_CONTACT',
    app_message: m.request.message,
    channel_identity: { channel: m.channel, identity: m.identity, app_id: m.appId },
    // The sandbox keeps no contacts or conversations: every app works as in DISPATCH mode.
    conversation_id: '',
    contact_id: '',
    metadata: m.request.messageMetadata,
    accept_time: m.acceptedTime,
    sender_id: '',
    processing_mode: 'DISPATCH',
    injected: false,
    message_status: {
      status: m.status,
      event_time: last?.at ?? m.acceptedTime,
      ...(last?.reason ? { reason: last.reason } : {}),
    },
  };
}

/** Checks `messages_source`, which the sandbox accepts but does not filter on (all DISPATCH). */
export function checkSource(query: Record<string, string | undefined>): void {
  const source = query.messages_source;
  if (source !== undefined && !SOURCES.includes(source)) throw errors.invalidArgument(`Invalid value for 'messages_source': ${source}.`);
}

export interface MessagePage {
  messages: Record<string, unknown>[];
  next_page_token: string;
  total_size: number;
}

/** One page of a project's messages matching the list's filters, newest first. */
export function listPage(all: readonly SandboxMessage[], projectId: string, query: Record<string, string | undefined>): MessagePage {
  checkSource(query);
  const size = query.page_size === undefined ? DEFAULT_PAGE_SIZE : Number(query.page_size);
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw errors.invalidArgument(`Invalid value for 'page_size': ${query.page_size} (1 to ${MAX_PAGE_SIZE}).`);
  }
  if (query.direction !== undefined && !DIRECTIONS.includes(query.direction)) {
    throw errors.invalidArgument(`Invalid value for 'direction': ${query.direction}.`);
  }
  const from = time(query.start_time, 'start_time');
  const to = time(query.end_time, 'end_time');
  const matching = all
    .filter(
      (m) =>
        m.projectId === projectId &&
        (query.app_id === undefined || m.appId === query.app_id) &&
        (query.channel === undefined || m.channel === query.channel) &&
        (query.channel_identity === undefined || m.identity === query.channel_identity) &&
        // Only what the app sent is kept; customers' messages are sent to the hub, not stored.
        (query.direction === undefined || query.direction === 'TO_CONTACT') &&
        query.only_recipient_originated !== 'true' &&
        (from === undefined || Date.parse(m.acceptedTime) >= from) &&
        (to === undefined || Date.parse(m.acceptedTime) < to),
    )
    // Newest first; ids are ULIDs, so they break ties in acceptance order.
    .sort((a, b) => (a.messageId < b.messageId ? 1 : -1));
  const token = query.page_token || undefined;
  if (token !== undefined && !/^[0-9A-Z]{26}$/.test(token)) throw errors.invalidArgument('Invalid page_token.');
  const start = token === undefined ? 0 : matching.findIndex((m) => m.messageId < token);
  const page = start < 0 ? [] : matching.slice(start, start + size);
  const more = start >= 0 && start + size < matching.length;
  return { messages: page.map(messageResource), next_page_token: more ? page.at(-1)!.messageId : '', total_size: matching.length };
}

function time(raw: string | undefined, field: string): number | undefined {
  if (raw === undefined) return undefined;
  const ms = Date.parse(raw);
  if (Number.isNaN(ms)) throw errors.invalidArgument(`Invalid value for '${field}': ${raw}.`);
  return ms;
}
