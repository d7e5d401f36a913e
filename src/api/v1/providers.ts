// The providers this build knows, with the fields their integrations take: what the console's
// "+ Add new integration" builds its forms from, so a new provider folder needs no UI change.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Hub } from '../../hub.js';
import { adapters } from '../../providers/registry.js';
import { AnyObject, errorResponses } from './schemas.js';

const Provider = Type.Object({
  type: Type.String({ description: 'the integration type, as `provider` when adding one' }),
  display_name: Type.String(),
  channels: Type.Array(Type.String()),
  config_schema: AnyObject,
  secrets_schema: Type.Object({}, { additionalProperties: true, description: 'JSON Schema of the write-only secrets: each property has a title and a description' }),
  webhook_endpoints: Type.Array(Type.Object({ name: Type.String(), description: Type.String(), status_callback: Type.Boolean() })),
  verifiable: Type.Boolean({ description: 'whether POST …/integrations/{id}/verify can check its credentials' }),
});

/** A TypeBox schema as plain JSON Schema (its symbol keys dropped). */
const plain = (schema: unknown) => JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;

export const providerRoutes = (_hub: Hub): FastifyPluginAsyncTypebox => async (app) => {
  const list = Object.entries(adapters).map(([type, a]) => ({
    type,
    display_name: a.displayName,
    channels: [...a.channels],
    config_schema: plain(a.configSchema),
    secrets_schema: plain(a.secretsSchema),
    webhook_endpoints: a.webhookEndpoints.map((e) => ({ name: e.name, description: e.description, status_callback: e.statusCallback === true })),
    verifiable: typeof a.verify === 'function',
  }));
  app.get('/providers', {
    schema: {
      tags: ['integrations'],
      operationId: 'listProviders',
      summary: 'List the providers and their integration fields',
      description: "Each provider's config and secrets as JSON Schema (title = label, description = help text), its channels and webhook endpoints.",
      response: { 200: Type.Object({ data: Type.Array(Provider) }), ...errorResponses },
    },
  }, async () => ({ data: list }));
};
