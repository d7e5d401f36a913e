import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { countSegments } from '../../core/segments.js';
import { errorResponses } from '../schemas.js';

export const segmentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/segments', {
    schema: {
      tags: ['messages'],
      description: 'How a text splits into SMS parts: GSM-7 (160, or 153 per part) or UCS-2 (70, or 67 per part).',
      body: Type.Object({ text: Type.String({ maxLength: 10000 }) }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          parts: Type.Integer(),
          encoding: Type.String(),
          characters: Type.Integer(),
          units: Type.Integer({ description: 'septets (GSM-7) or UTF-16 code units (UCS-2)' }),
          units_per_part: Type.Integer(),
          segments: Type.Array(Type.String()),
          non_gsm_characters: Type.Array(Type.String()),
        }),
        ...errorResponses,
      },
    },
  }, async (req) => {
    const s = countSegments(req.body.text);
    return {
      parts: s.parts,
      encoding: s.encoding,
      characters: s.characters,
      units: s.units,
      units_per_part: s.unitsPerPart,
      segments: s.segments,
      non_gsm_characters: s.nonGsmCharacters,
    };
  });
};
