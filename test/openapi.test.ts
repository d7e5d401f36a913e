// The API description as tools read it (an operationId, a summary and a documented 4xx on every
// operation, OpenAPI 3.0 schemas only), and the interactive reference at /docs built from it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { startHub, type TestHub } from './helpers.js';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

/** Schema keywords OpenAPI 3.0's Schema Object does not have (JSON Schema 2019+/OpenAPI 3.1, or plain JSON Schema). */
const NOT_IN_30 = [
  'const',
  '$id',
  '$schema',
  '$defs',
  'examples',
  'prefixItems',
  'contains',
  'patternProperties',
  'propertyNames',
  'dependentRequired',
  'dependentSchemas',
  'unevaluatedProperties',
  'unevaluatedItems',
  'if',
  'then',
  'else',
  'contentMediaType',
  'contentEncoding',
];
const TYPES_30 = ['string', 'number', 'integer', 'boolean', 'array', 'object'];

type Json = Record<string, any>;

function operations(doc: Json): { where: string; op: Json }[] {
  return Object.entries(doc.paths as Json).flatMap(([path, item]) =>
    Object.entries(item as Json)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]) => ({ where: `${method.toUpperCase()} ${path}`, op: op as Json })),
  );
}

/** Every schema in the document, nested ones included, with where it is. */
function schemas(doc: Json): { where: string; schema: Json }[] {
  const out: { where: string; schema: Json }[] = [];
  const visit = (schema: unknown, where: string) => {
    if (schema === null || typeof schema !== 'object') return;
    const s = schema as Json;
    out.push({ where, schema: s });
    for (const k of ['items', 'not', 'additionalProperties']) visit(s[k], `${where}/${k}`);
    for (const k of ['allOf', 'anyOf', 'oneOf']) (s[k] as unknown[] | undefined)?.forEach((x, i) => visit(x, `${where}/${k}/${i}`));
    for (const [name, p] of Object.entries((s.properties ?? {}) as Json)) visit(p, `${where}/properties/${name}`);
  };
  for (const [name, s] of Object.entries((doc.components?.schemas ?? {}) as Json)) visit(s, `components/${name}`);
  const media = (content: Json | undefined, where: string) => {
    for (const [type, m] of Object.entries(content ?? {})) visit((m as Json).schema, `${where} ${type}`);
  };
  for (const { where, op } of operations(doc)) {
    for (const p of (op.parameters ?? []) as Json[]) visit(p.schema, `${where} ${p.in} ${p.name}`);
    media(op.requestBody?.content, `${where} body`);
    for (const [status, r] of Object.entries((op.responses ?? {}) as Json)) {
      media((r as Json).content, `${where} ${status}`);
      for (const [name, h] of Object.entries(((r as Json).headers ?? {}) as Json)) visit((h as Json).schema, `${where} ${status} header ${name}`);
    }
  }
  return out;
}

describe('the OpenAPI document', () => {
  let t: TestHub;
  let doc: Json;

  before(async () => {
    t = await startHub();
    const res = await t.api.withToken(null).get('/api/v1/openapi.json');
    assert.equal(res.status, 200);
    doc = res.body;
  });
  after(async () => {
    await t.close();
  });

  test('is OpenAPI 3.0.3, served from /api/v1, under the project licence', () => {
    assert.equal(doc.openapi, '3.0.3');
    assert.deepEqual(doc.servers.map((s: Json) => s.url), ['/api/v1']);
    assert.ok(Object.keys(doc.paths).every((p) => !p.startsWith('/api/')), 'paths are relative to the server');
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { license: string };
    assert.equal(doc.info.license.name, pkg.license);
  });

  test('every operation has a unique camelCase operationId, a summary, and documents its 4xx', () => {
    const ops = operations(doc);
    assert.ok(ops.length >= 40, `only ${ops.length} operations`);
    const ids = new Set<string>();
    for (const { where, op } of ops) {
      assert.match(op.operationId ?? '', /^[a-z][A-Za-z]+$/, `${where}: operationId`);
      assert.ok(!ids.has(op.operationId), `${where}: operationId ${op.operationId} is used twice`);
      ids.add(op.operationId);
      assert.ok(typeof op.summary === 'string' && op.summary.length > 0, `${where}: summary`);
      const errors = Object.entries(op.responses as Json).filter(([status]) => /^4(\d\d|XX)$/.test(status));
      assert.ok(errors.length > 0, `${where}: no 4xx response`);
      for (const [status, r] of errors) {
        assert.equal(r.content?.['application/json']?.schema?.$ref, '#/components/schemas/Error', `${where} ${status}: the shared error body`);
      }
    }
  });

  test('every tag in use is declared, with a description', () => {
    const declared = new Map((doc.tags as Json[]).map((tag) => [tag.name as string, tag.description as string | undefined]));
    for (const { where, op } of operations(doc)) {
      for (const tag of op.tags as string[]) assert.ok(declared.get(tag), `${where}: tag "${tag}" is not declared with a description`);
    }
  });

  test('schemas use OpenAPI 3.0 keywords only', () => {
    const all = schemas(doc);
    assert.ok(all.length > 100, `only ${all.length} schemas found`);
    for (const { where, schema } of all) {
      for (const k of NOT_IN_30) assert.ok(!(k in schema), `${where}: "${k}" is not OpenAPI 3.0`);
      if ('type' in schema) assert.ok(TYPES_30.includes(schema.type), `${where}: type ${JSON.stringify(schema.type)}`);
      for (const k of ['exclusiveMinimum', 'exclusiveMaximum']) {
        if (k in schema) assert.equal(typeof schema[k], 'boolean', `${where}: ${k} must be a boolean in OpenAPI 3.0`);
      }
    }
  });
});

describe('the API reference at /docs', () => {
  let t: TestHub;

  before(async () => {
    t = await startHub();
  });
  after(async () => {
    await t.close();
  });

  test('is an HTML page, without an API key, whose assets come from the hub itself', async () => {
    for (const path of ['/docs', '/docs/', '/docs/static/index.html']) {
      const page = await fetch(t.url + path);
      assert.equal(page.status, 200, path);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/, path);
      const html = await page.text();
      const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
      assert.ok(refs.some((r) => r.endsWith('swagger-ui-bundle.js')), `${path}: the Swagger UI bundle`);
      for (const ref of refs) {
        const url = new URL(ref, page.url);
        assert.equal(url.origin, t.url, `${path}: ${ref} is not served by the hub`);
        const asset = await fetch(url);
        assert.equal(asset.status, 200, `${path}: ${ref}`);
        assert.ok((await asset.arrayBuffer()).byteLength > 0, `${path}: ${ref} is empty`);
      }
    }
  });

  test("the page loads the hub's own document", async () => {
    const init = await fetch(`${t.url}/docs/static/swagger-initializer.js`);
    assert.equal(init.status, 200);
    // The initializer resolves the document next to the page: /docs/json.
    assert.match(await init.text(), /url: resolveUrl\('\.\/json'\)/);
    const shown = await fetch(`${t.url}/docs/json`);
    assert.equal(shown.status, 200);
    const served = await t.api.withToken(null).get('/api/v1/openapi.json');
    assert.deepEqual(await shown.json(), served.body);
  });

  test('opening the reference opens nothing else: the API still needs a key', async () => {
    assert.equal((await t.api.withToken(null).get('/api/v1/projects')).status, 401);
  });
});
