// Console sign-in: the key is exchanged for an HttpOnly session cookie; the cookie authenticates
// like the key, unsafe methods need the CSRF header, sign-out and revocation end the session.
import assert from 'node:assert/strict';
import { after, before, suite, test } from 'node:test';
import { request } from 'undici';
import { startHub, type TestHub } from './helpers.js';

let t: TestHub;
let projectId: string;

before(async () => {
  t = await startHub();
  projectId = (await t.api.post('/api/v1/projects', { name: 'Acme' })).body.id;
});
after(() => t.close());

async function signIn(apiKey: string) {
  const res = await request(`${t.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ api_key: apiKey }) });
  const body = (await res.body.json()) as any;
  const setCookie = String(res.headers['set-cookie'] ?? '');
  const cookie = /^(sb_session=[^;]*)/.exec(setCookie)?.[1] ?? '';
  return { status: res.statusCode, body, setCookie, cookie };
}

async function withCookie(cookie: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await request(`${t.url}${path}`, {
    method: method as 'GET',
    headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, body: text ? JSON.parse(text) : null, headers: res.headers };
}

suite('console session', () => {
  test('signing in sets an HttpOnly, SameSite=Strict cookie that is not the key, and GET /session says who', async () => {
    const s = await signIn(t.adminToken);
    assert.equal(s.status, 201);
    assert.deepEqual(s.body, { role: 'admin', project_id: null, via: 'cookie' });
    assert.match(s.setCookie, /HttpOnly/i);
    assert.match(s.setCookie, /SameSite=Strict/i);
    assert.match(s.setCookie, /Path=\//);
    assert.doesNotMatch(s.setCookie, /Secure/i, 'plain http on loopback: not Secure');
    assert.ok(!s.setCookie.includes(t.adminToken), 'the cookie is a session token, not the key');
    const me = await withCookie(s.cookie, 'GET', '/api/v1/session');
    assert.equal(me.status, 200);
    assert.deepEqual(me.body, { role: 'admin', project_id: null, via: 'cookie' });
    const projects = await withCookie(s.cookie, 'GET', '/api/v1/projects');
    assert.equal(projects.status, 200);
    assert.equal(projects.body.data[0].id, projectId);
  });

  test('the cookie is Secure when the hub is reached over HTTPS (behind a proxy)', async () => {
    const res = await request(`${t.url}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' },
      body: JSON.stringify({ api_key: t.adminToken }),
    });
    await res.body.dump();
    assert.match(String(res.headers['set-cookie']), /; Secure/);
  });

  test('a wrong key is refused with the error shape and sets no cookie', async () => {
    const s = await signIn('not-a-key');
    assert.equal(s.status, 401);
    assert.equal(s.body.error.code, 'unauthorized');
    assert.equal(s.setCookie, '');
    const missing = await t.api.withToken(null).post('/api/v1/session', {});
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error.field, 'api_key');
  });

  test('an unsafe method with the cookie but without the CSRF header is refused, and changes nothing', async () => {
    const s = await signIn(t.adminToken);
    const refused = await withCookie(s.cookie, 'POST', '/api/v1/projects', { name: 'Forged' });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'csrf_header_required');
    const list = await t.api.get('/api/v1/projects');
    assert.ok(!list.body.data.some((p: any) => p.name === 'Forged'));
    const allowed = await withCookie(s.cookie, 'POST', '/api/v1/projects', { name: 'Real' }, { 'x-switchboard-csrf': '1' });
    assert.equal(allowed.status, 201);
  });

  test('a Bearer request needs no CSRF header (API clients are unchanged)', async () => {
    const res = await t.api.post('/api/v1/segments', { text: 'hi' });
    assert.equal(res.status, 200);
  });

  test('signing out forgets the session: the same cookie no longer works', async () => {
    const s = await signIn(t.adminToken);
    const out = await withCookie(s.cookie, 'DELETE', '/api/v1/session', undefined, { 'x-switchboard-csrf': '1' });
    assert.equal(out.status, 204);
    assert.match(String(out.headers['set-cookie']), /sb_session=;.*Max-Age=0/);
    const after = await withCookie(s.cookie, 'GET', '/api/v1/session');
    assert.equal(after.status, 401);
  });

  test("a project key's session acts in its project only, and stops working once the key is revoked", async () => {
    const key = await t.api.post(`/api/v1/projects/${projectId}/api-keys`, { name: 'console' });
    const s = await signIn(key.body.key);
    assert.deepEqual(s.body, { role: 'project', project_id: projectId, via: 'cookie' });
    const settings = await withCookie(s.cookie, 'PUT', `/api/v1/projects/${projectId}/settings`, { link_tracking: true }, { 'x-switchboard-csrf': '1' });
    assert.equal(settings.status, 403, 'settings stay admin-only');
    assert.equal((await withCookie(s.cookie, 'GET', `/api/v1/projects/${projectId}/settings`)).status, 200);
    await t.api.delete(`/api/v1/projects/${projectId}/api-keys/${key.body.id}`);
    assert.equal((await withCookie(s.cookie, 'GET', '/api/v1/session')).status, 401);
  });

  test('a made-up or malformed cookie is just unauthenticated', async () => {
    assert.equal((await withCookie('sb_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'GET', '/api/v1/session')).status, 401);
    assert.equal((await withCookie('sb_session=%%%; other=1', 'GET', '/api/v1/session')).status, 401);
  });

  test('the event stream accepts the session cookie (EventSource cannot send headers)', async () => {
    const s = await signIn(t.adminToken);
    const ac = new AbortController();
    const res = await request(`${t.url}/api/v1/projects/${projectId}/events/stream`, { headers: { cookie: s.cookie }, signal: ac.signal });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /text\/event-stream/);
    ac.abort();
    await res.body.dump().catch(() => undefined);
  });
});
