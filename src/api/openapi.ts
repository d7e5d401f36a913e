// The OpenAPI document: its frame (info, server, tags, security) and the rewrite that keeps TypeBox's
// JSON Schema valid OpenAPI 3.0.3, so generators and linters accept what the hub serves. The
// operations themselves come from the route schemas in v1/.
import type { SwaggerOptions } from '@fastify/swagger';

/** Where the API lives; also the document's server, so paths read as in docs/design.md. */
export const API_PREFIX = '/api/v1';

const TAGS = [
  { name: 'projects', description: 'Projects, their settings and API keys. A project key acts within its own project.' },
  { name: 'integrations', description: 'Provider accounts (Sinch SMS, Sinch Conversation API, Twilio): credentials, rate limits, webhook URLs.' },
  { name: 'sender profiles', description: 'Which integration and sender a channel uses.' },
  { name: 'customers', description: 'Customer profiles: phone, attributes, and the events recorded on them.' },
  { name: 'messages', description: 'Transactional sends, the message log, and how a text splits into SMS parts.' },
  { name: 'campaigns', description: 'One message per audience customer, launched at once, with delivery statistics.' },
  { name: 'audiences', description: 'Who a campaign reaches: filters on attributes, consent and past events, counted before launch.' },
  { name: 'events', description: 'Delivery and engagement events, in the order they were recorded.' },
  { name: 'imports', description: 'Bulk imports of customers from CSV or NDJSON files, applied in the background with progress and per-row errors.' },
  { name: 'exports', description: 'Events and messages as CSV or NDJSON, streamed, with the filters of their lists.' },
  { name: 'two-way', description: 'Consent per channel, keyword auto-replies, and the conversation with a customer.' },
  { name: 'session', description: 'Console sign-in: an API key exchanged for an HttpOnly session cookie.' },
  { name: 'direct-send ingest', description: 'Delivery reports of messages sent straight through Sinch, outside the hub.' },
];

export const openapiOptions: SwaggerOptions = {
  openapi: {
    openapi: '3.0.3',
    info: {
      title: 'Switchboard API',
      version: '1',
      description:
        'Messaging hub: integrations, customers, sends, campaigns and events. Every call needs `Authorization: Bearer <api key>`; ' +
        'failures answer `{"error": {"code", "message", "field"?}}` with a 4xx status.',
      license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
    },
    // Relative, so it names whichever address the document was fetched from (a proxy's included).
    servers: [{ url: API_PREFIX, description: 'this hub' }],
    tags: TAGS,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'the admin API key, or a project API key' },
        session: { type: 'apiKey', in: 'cookie', name: 'sb_session', description: 'the console session (POST /session); unsafe methods also need the x-switchboard-csrf header' },
      },
    },
    security: [{ bearer: [] }, { session: [] }],
  },
  // Shared schemas (addSchema) keep their $id as component name: `Error`, not `def-0`.
  refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  transformObject: (doc) => ('openapiObject' in doc ? (toOpenapi30(doc.openapiObject) as typeof doc.openapiObject) : doc.swaggerObject),
};

/**
 * TypeBox writes JSON Schema draft 2019+, where `exclusiveMinimum`/`exclusiveMaximum` are numbers;
 * OpenAPI 3.0 has them as booleans next to `minimum`/`maximum`. (@fastify/swagger already turns
 * `const` into `enum`, null types into `nullable` and records into `additionalProperties`.) The route
 * schemas keep the numeric form: Fastify's validator reads it.
 */
export function toOpenapi30(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toOpenapi30);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if ((key === 'exclusiveMinimum' || key === 'exclusiveMaximum') && typeof v === 'number') {
      out[key === 'exclusiveMinimum' ? 'minimum' : 'maximum'] = v;
      out[key] = true;
    } else {
      out[key] = toOpenapi30(v);
    }
  }
  return out;
}
