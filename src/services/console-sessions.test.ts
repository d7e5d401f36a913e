import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sha256Hex } from '../core/crypto.js';
import * as projectStore from '../store/projects.js';
import * as sessionStore from '../store/console-sessions.js';
import { openTestStore, type TestStore } from '../store/testing.js';
import { createApiKey, revokeApiKey } from './api-keys.js';
import { closeSession, openSession, SESSION_TTL_MS, sessionPrincipal } from './console-sessions.js';

const ADMIN = 'admin-token-1';
const T0 = 1_800_000_000_000;

describe('console sessions', () => {
  let store: TestStore;
  before(async () => {
    store = await openTestStore();
    await projectStore.insert(store.db, { id: 'prj_1', name: 'p', default_sms_integration_id: null, default_whatsapp_integration_id: null, default_rcs_integration_id: null, app_key: 'ak_1', ingest_signing_secret: null, settings: '{}', created_at: 1, updated_at: 1 });
  });
  after(() => store.close());

  test('a wrong key opens nothing', async () => {
    assert.equal(await openSession(store.db, ADMIN, 'nope', T0), null);
  });

  test('only the hash of the token is stored; the session lasts its TTL and not a millisecond more', async () => {
    const s = (await openSession(store.db, ADMIN, ADMIN, T0))!;
    assert.match(s.token, /^[A-Za-z0-9_-]{40,}$/);
    assert.equal(s.expiresAt, T0 + SESSION_TTL_MS);
    const row = await sessionStore.findLive(store.db, sha256Hex(s.token), T0);
    assert.ok(row && row.token_hash !== s.token);
    assert.deepEqual(await sessionPrincipal(store.db, ADMIN, s.token, T0 + SESSION_TTL_MS - 1), { role: 'admin' });
    assert.equal(await sessionPrincipal(store.db, ADMIN, s.token, T0 + SESSION_TTL_MS), null);
  });

  test('an admin session ends when the admin token changes', async () => {
    const s = (await openSession(store.db, ADMIN, ADMIN, T0))!;
    assert.equal(await sessionPrincipal(store.db, 'another-admin-token', s.token, T0 + 1), null);
  });

  test("a project key's session ends when the key is revoked; closing a session forgets it", async () => {
    const key = await createApiKey(store.db, 'prj_1', 'k');
    const s = (await openSession(store.db, ADMIN, key.key, T0))!;
    assert.deepEqual(await sessionPrincipal(store.db, ADMIN, s.token, T0 + 1), { role: 'project', projectId: 'prj_1', keyId: key.id });
    const other = (await openSession(store.db, ADMIN, key.key, T0))!;
    await closeSession(store.db, other.token);
    assert.equal(await sessionPrincipal(store.db, ADMIN, other.token, T0 + 1), null);
    await revokeApiKey(store.db, 'prj_1', key.id);
    assert.equal(await sessionPrincipal(store.db, ADMIN, s.token, T0 + 1), null);
  });

  test('opening a session sweeps the expired ones', async () => {
    const old = (await openSession(store.db, ADMIN, ADMIN, T0))!;
    await openSession(store.db, ADMIN, ADMIN, T0 + SESSION_TTL_MS + 1);
    assert.equal(await sessionStore.findLive(store.db, sha256Hex(old.token), 0), undefined);
  });
});
