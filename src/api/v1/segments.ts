import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { findUrls, LINK_CODE_LENGTH, replaceUrls, shortLink } from '../../core/links.js';
import { countSegments } from '../../core/segments.js';
import type { Hub } from '../../hub.js';
import { errorResponses } from './schemas.js';

const Split = Type.Object({
  text: Type.String(),
  parts: Type.Integer(),
  encoding: Type.String(),
  characters: Type.Integer(),
  units: Type.Integer({ description: 'septets (GSM-7) or UTF-16 code units (UCS-2)' }),
  units_per_part: Type.Integer(),
  segments: Type.Array(Type.String()),
  non_gsm_characters: Type.Array(Type.String()),
});

function split(text: string) {
  const s = countSegments(text);
  return {
    text,
    parts: s.parts,
    encoding: s.encoding,
    characters: s.characters,
    units: s.units,
    units_per_part: s.unitsPerPart,
    segments: s.segments,
    non_gsm_characters: s.nonGsmCharacters,
  };
}

export const segmentRoutes = (hub: Hub): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/segments', {
    schema: {
      tags: ['messages'],
      operationId: 'countSegments',
      summary: 'Split a text into SMS parts',
      description:
        'How a text splits into SMS parts: GSM-7 (160, or 153 per part) or UCS-2 (70, or 67 per part). ' +
        'With track_links, also how it splits once its links are replaced by tracked short links.',
      body: Type.Object({ text: Type.String({ maxLength: 10000 }), track_links: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
      response: {
        200: Type.Intersect([Split, Type.Object({ tracked: Type.Union([Split, Type.Null()]) })]),
        ...errorResponses,
      },
    },
  }, async (req) => {
    const { text, track_links: trackLinks } = req.body;
    const urls = trackLinks ? findUrls(text) : [];
    // Every short link has the same length, so a placeholder code counts exactly.
    const tracked = urls.length ? split(replaceUrls(text, urls, () => shortLink(hub.config.publicUrl, 'x'.repeat(LINK_CODE_LENGTH)))) : null;
    return { ...split(text), tracked };
  });
};
