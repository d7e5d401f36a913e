// Shared TypeBox schemas: they validate requests and produce the OpenAPI document.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { MessageContent } from '../../core/content.js';
import type { ListPage } from '../../services/paging.js';

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      field: Type.Optional(Type.String()),
    }),
  },
  { $id: 'Error' },
);

export const ProjectParams = Type.Object({ pid: Type.String({ maxLength: 64 }) });

export const PageQuery = {
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$', description: 'page size, 1-1000 (default 100)' })),
  cursor: Type.Optional(Type.String({ maxLength: 128, description: 'next_cursor of the previous page' })),
};

export function pageLimit(raw: string | undefined): number {
  const n = raw === undefined ? 100 : Number(raw);
  return Math.min(1000, Math.max(1, n));
}

export const Phone = Type.String({ minLength: 3, maxLength: 32, description: 'E.164, e.g. +46700000001' });

export const Channel = Type.Union([Type.Literal('sms'), Type.Literal('mms'), Type.Literal('whatsapp'), Type.Literal('rcs')]);
/** The channels a message may fall back to: the text ones (messages/fallback.ts). */
export const FallbackChannel = Type.Union([Type.Literal('sms'), Type.Literal('whatsapp'), Type.Literal('rcs')]);

/** How a send or a campaign says what to send, per channel. */
export const ContentFields = {
  channel: Type.Optional(Channel),
  body: Type.Optional(Type.String({ maxLength: 10000, description: 'SMS/MMS text; for WhatsApp/RCS a shorthand for a text content' })),
  media_urls: Type.Optional(Type.Array(Type.String({ maxLength: 2048 }), { maxItems: 10, description: 'MMS media (at most 10)' })),
  content: Type.Optional(MessageContent),
  track_links: Type.Optional(Type.Boolean({ description: 'replace links in an SMS body by tracked short links (default: the project setting)' })),
};

/** Where it goes: a sender profile, an integration (with an optional sender), or the channel's defaults. */
export const SendAt = Type.String({
  maxLength: 40,
  description: 'ISO 8601 date-time with a time zone offset (2026-05-01T09:00:00+02:00); a past time means now; at most a year ahead',
});

export const RouteFields = {
  integration_id: Type.Optional(Type.String({ maxLength: 64 })),
  sender_profile_id: Type.Optional(Type.String({ maxLength: 64 })),
  sender: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
};

/** A failure as the document shows it: a reference to the one `Error` schema, and what the status means. */
export const errorResponse = (description: string) => Type.Unsafe<Static<typeof ErrorBody>>({ $ref: 'Error#', description });

export const errorResponses = {
  400: errorResponse('invalid request: a field, the JSON or a query parameter (`field` names it)'),
  401: errorResponse('no API key, or an unknown or revoked one'),
  403: errorResponse("the API key may not do this: an admin-only action, or another project's resource"),
  404: errorResponse('no such resource'),
  409: errorResponse('conflicts with the current state'),
};

/** A delete's answer: 204, no body (typed void, so handlers `send()` nothing). */
export const NoContent = Type.Unsafe<void>(Type.Null({ description: 'done; no body' }));

export const Page = <T extends TSchema>(item: T) => Type.Object({ data: Type.Array(item), next_cursor: Type.Union([Type.String(), Type.Null()]) });

/** A page of a list as `Page` shows it, each item through its view. */
export function pageView<T, V>(page: ListPage<T>, view: (item: T) => V): { data: V[]; next_cursor: string | null } {
  return { data: page.items.map((item) => view(item)), next_cursor: page.nextCursor };
}

/** Free-form JSON object (config, attributes, properties). */
export const AnyObject = Type.Record(Type.String(), Type.Unknown());
