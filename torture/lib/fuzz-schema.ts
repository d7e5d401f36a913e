// JSON Schema (as the hub's OpenAPI document has it) → fast-check arbitraries. `validish` follows
// the schema closely enough to get past validation most of the time, so the service code behind
// it is reached; `hostile` is anything a careless or malicious client could send instead; `fuzzed`
// mixes the two at every level of the document, so one wrong field hides inside an otherwise
// valid body.
import fc, { type Arbitrary } from 'fast-check';

/** The subset of JSON Schema the hub's TypeBox schemas produce. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
}

/** Strings that have broken parsers, stores and loggers before. */
export const NASTY_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udc00y',
  '\ufeff',
  '\u202e',
  '💩'.repeat(40),
  '../../etc/passwd',
  '%00',
  '%ff',
  '%E0%A4%A',
  "'; DROP TABLE messages; --",
  '" OR 1=1 --',
  '<script>alert(1)</script>',
  '${jndi:ldap://x}',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'null',
  'undefined',
  'NaN',
  '-1',
  '0',
  '1e309',
  '9007199254740993',
  '+',
  '+0000000000000000000000000000000',
  '+46700000001',
  'whatsapp:+46700000001',
  'https://',
  'javascript:alert(1)',
  'http://[::1',
  'sms',
  'whatsapp',
  'rcs',
  'mms',
  'a'.repeat(257),
  'Ω'.repeat(1000),
  '\r\n\r\nX-Injected: 1',
  '{"a":1}',
  '[]',
];

const nastyString = (): Arbitrary<string> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
    { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 64 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 64 }) },
    { weight: 1, arbitrary: fc.integer({ min: 300, max: 70_000 }).map((n) => 'x'.repeat(n)) },
    // Lone surrogates and NULs spliced into ordinary text.
    { weight: 2, arbitrary: fc.tuple(fc.string({ maxLength: 20 }), fc.constantFrom('\u0000', '\ud83d', '\udfff', '\u0001', '\u007f'), fc.string({ maxLength: 20 })).map(([a, b, c]) => a + b + c) },
  );

const hugeNumber = (): Arbitrary<number> =>
  fc.oneof(
    fc.constantFrom(0, -0, -1, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, Number.MIN_SAFE_INTEGER - 2, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 64, 0.5, 1e-320),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
  );

/** Nesting that grows fast: deep objects and arrays, the shapes that blow up recursive code. */
const deep = (): Arbitrary<unknown> =>
  fc.integer({ min: 10, max: 300 }).chain((depth) =>
    fc.constantFrom('object', 'array').map((kind) => {
      let v: unknown = 1;
      for (let i = 0; i < depth; i++) v = kind === 'object' ? { a: v } : [v];
      return v;
    }),
  );

/** Any JSON value, including the kinds no schema field wants. */
export function hostile(): Arbitrary<unknown> {
  return fc.oneof(
    { weight: 4, arbitrary: nastyString() },
    { weight: 3, arbitrary: hugeNumber() },
    { weight: 1, arbitrary: fc.constantFrom(null, true, false, {}, [], [null], JSON.parse('{"__proto__":{"polluted":true}}') as unknown) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    { weight: 1, arbitrary: deep() },
    { weight: 1, arbitrary: fc.array(nastyString(), { maxLength: 30 }) },
  );
}

/** Values that follow the schema as far as a generator reasonably can. */
export function validish(schema: JsonSchema, components: Record<string, JsonSchema> = {}, hostility = 0): Arbitrary<unknown> {
  const next = (s: JsonSchema) => (hostility > 0 ? fuzzed(s, components, hostility) : validish(s, components, 0));
  if (schema.$ref) {
    const name = schema.$ref.split('/').pop() ?? '';
    const target = components[name];
    return target ? validish(target, components, hostility) : fc.jsonValue({ maxDepth: 2 });
  }
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives?.length) return fc.oneof(...alternatives.map((s) => validish(s, components, hostility)));
  if (schema.allOf?.length) {
    const merged: JsonSchema = {};
    for (const s of schema.allOf) Object.assign(merged, s, { properties: { ...merged.properties, ...s.properties }, required: [...(merged.required ?? []), ...(s.required ?? [])] });
    return validish(merged, components, hostility);
  }
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      return stringFor(schema);
    case 'integer':
      return fc.integer({ min: Math.max(schema.minimum ?? -1_000_000, Number.MIN_SAFE_INTEGER), max: Math.min(schema.maximum ?? 1_000_000, Number.MAX_SAFE_INTEGER) });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(schema.items ? next(schema.items) : fc.jsonValue({ maxDepth: 1 }), { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 5, 12) });
    case 'object':
    case undefined: {
      if (!schema.properties && type === undefined) return fc.jsonValue({ maxDepth: 2 });
      const props = schema.properties ?? {};
      const required = new Set(schema.required ?? []);
      const shape: Record<string, Arbitrary<unknown>> = {};
      for (const [k, s] of Object.entries(props)) shape[k] = next(s);
      const base = fc.record(shape, { requiredKeys: Object.keys(props).filter((k) => required.has(k)) });
      if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
        const extra = fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), next(schema.additionalProperties), { maxKeys: 4 });
        return fc.tuple(base, extra).map(([a, b]) => ({ ...b, ...a }));
      }
      return base;
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** A valid-ish value most of the time; at `hostility` (0–1) per node, something hostile instead. */
export function fuzzed(schema: JsonSchema, components: Record<string, JsonSchema> = {}, hostility = 0.1): Arbitrary<unknown> {
  const h = Math.max(1, Math.round(hostility * 100));
  const base = validish(schema, components, hostility);
  const isObject = schema.type === 'object' || (!!schema.properties && !schema.type);
  return fc.oneof(
    { weight: 100 - h, arbitrary: isObject ? withStrayField(base) : base },
    { weight: h, arbitrary: hostile() },
  );
}

/** Sometimes adds a field the schema does not know, or drops a required one. */
function withStrayField(base: Arbitrary<unknown>): Arbitrary<unknown> {
  return fc.tuple(base, fc.integer({ min: 0, max: 19 }), fc.constantFrom('extra', '__proto__', 'constructor', ''), hostile()).map(([v, roll, key, value]) => {
    if (roll !== 0 || v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    return { ...(v as Record<string, unknown>), [key]: value };
  });
}

function stringFor(schema: JsonSchema): Arbitrary<string> {
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.min(schema.maxLength ?? 40, 300);
  if (schema.pattern) {
    try {
      const re = new RegExp(schema.pattern);
      // Cut to length rather than filtered: a filter that rarely passes would spin.
      return fc.stringMatching(re).map((s) => s.slice(0, schema.maxLength ?? s.length));
    } catch {
      /* a pattern JavaScript cannot compile: plain strings */
    }
  }
  switch (schema.format) {
    case 'uri':
      return fc.webUrl().map((u) => u.slice(0, schema.maxLength ?? u.length));
    case 'date-time':
      return fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }).map((d) => d.toISOString());
    case 'email':
      return fc.emailAddress();
  }
  const phoneish = fc.integer({ min: 1_000_000, max: 99_999_999_999 }).map((n) => `+${n}`);
  // The edges of the allowed length get their own share: "" and the longest string allowed.
  const edges = fc.constantFrom(...new Set(['x'.repeat(minLength), 'y'.repeat(Math.min(schema.maxLength ?? 64, 5000))]));
  return fc.oneof(
    { weight: 6, arbitrary: fc.string({ minLength, maxLength }) },
    { weight: 1, arbitrary: edges },
    { weight: 1, arbitrary: phoneish.map((s) => s.slice(0, schema.maxLength ?? s.length)) },
  );
}
