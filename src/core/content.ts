// Rich message content for the Conversation API channels (WhatsApp, RCS). SMS and MMS carry a
// text body (and MMS media URLs) instead.
import { Type, type Static } from '@sinclair/typebox';

const Parameters = Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 1024 }), { description: 'template parameters by name' });

export const TextContent = Type.Object({ type: Type.Literal('text'), text: Type.String({ minLength: 1, maxLength: 4096 }) }, { additionalProperties: false });

export const MediaContent = Type.Object(
  {
    type: Type.Literal('media'),
    url: Type.String({ format: 'uri', maxLength: 2048 }),
    thumbnail_url: Type.Optional(Type.String({ format: 'uri', maxLength: 2048 })),
    filename: Type.Optional(Type.String({ maxLength: 255 })),
  },
  { additionalProperties: false },
);

export const TemplateContent = Type.Object(
  {
    type: Type.Literal('template'),
    /**
     * `omni`: a Conversation API template by id and version. `channel`: a channel's own template,
     * for WhatsApp its approved template name with an underscored language code (`en_US`).
     */
    scope: Type.Union([Type.Literal('omni'), Type.Literal('channel')]),
    template_id: Type.String({ minLength: 1, maxLength: 512, description: 'omni: template id; channel: the WhatsApp template name' }),
    version: Type.Optional(Type.String({ maxLength: 64 })),
    language_code: Type.Optional(Type.String({ maxLength: 16 })),
    parameters: Type.Optional(Parameters),
  },
  { additionalProperties: false },
);

export const CardContent = Type.Object(
  {
    type: Type.Literal('card'),
    title: Type.Optional(Type.String({ maxLength: 200 })),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    media_url: Type.Optional(Type.String({ format: 'uri', maxLength: 2048 })),
    choices: Type.Optional(
      Type.Array(
        Type.Object({ text: Type.String({ minLength: 1, maxLength: 25 }), postback_data: Type.Optional(Type.String({ maxLength: 1024 })) }, { additionalProperties: false }),
        { maxItems: 10 },
      ),
    ),
  },
  { additionalProperties: false },
);

export const MessageContent = Type.Union([TextContent, MediaContent, TemplateContent, CardContent]);
export type MessageContent = Static<typeof MessageContent>;
