import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEFAULT_KEYWORDS } from '../core/keywords.js';
import { projectRow } from '../store/fixtures.js';
import * as projectStore from '../store/projects.js';
import { openTestStore, type TestStore } from '../store/testing.js';
import { keywordsFor, setKeywords, settingsOf, getProject, updateSettings } from './projects.js';

let store: TestStore;
before(async () => (store = await openTestStore()));
after(() => store.close());

test('concurrent changes to different settings are all kept', async () => {
  await projectStore.insert(store.db, projectRow('prj_1'));
  const reply = (text: string) => ({ ...DEFAULT_KEYWORDS, help: { ...DEFAULT_KEYWORDS.help, reply: text } });
  const none = async () => {};
  await Promise.all([
    setKeywords(store.db, 'prj_1', 'sms', reply('sms help')),
    setKeywords(store.db, 'prj_1', 'whatsapp', reply('whatsapp help')),
    setKeywords(store.db, 'prj_1', 'rcs', reply('rcs help')),
    updateSettings(store.db, 'prj_1', { link_tracking: true }, none),
    updateSettings(store.db, 'prj_1', { event_names: { sms: 'SMS' } }, none),
  ]);
  const settings = settingsOf(await getProject(store.db, 'prj_1'));
  assert.equal(keywordsFor(settings, 'sms').help.reply, 'sms help');
  assert.equal(keywordsFor(settings, 'whatsapp').help.reply, 'whatsapp help');
  assert.equal(keywordsFor(settings, 'rcs').help.reply, 'rcs help');
  assert.equal(settings.link_tracking, true);
  assert.deepEqual(settings.event_names, { sms: 'SMS' });
});
