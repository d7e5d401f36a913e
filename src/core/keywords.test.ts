import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_KEYWORDS, keywordConflicts, matchKeyword, normalizeKeyword, sameKeywordGroup } from './keywords.js';

const config = { ...DEFAULT_KEYWORDS, custom: [{ keyword: 'hours', reply: 'Open 9-17' }, { keyword: 'Öffnungszeiten', reply: 'Geöffnet 9-17' }] };

const cases: [string, string, string | null][] = [
  ['STOP', 'STOP', 'opt_out'],
  ['stop', 'lower case', 'opt_out'],
  ['  Stop \n', 'surrounding whitespace', 'opt_out'],
  ['ＳＴＯＰ', 'full-width letters (NFKC)', 'opt_out'],
  ['S\u200BTOP', 'a zero-width space inside', 'opt_out'],
  ['stopall', 'STOPALL', 'opt_out'],
  ['Unsubscribe', 'UNSUBSCRIBE', 'opt_out'],
  ['cancel', 'CANCEL', 'opt_out'],
  ['END', 'END', 'opt_out'],
  ['quit', 'QUIT', 'opt_out'],
  ['start', 'START', 'opt_in'],
  ['Yes', 'YES', 'opt_in'],
  ['unstop', 'UNSTOP', 'opt_in'],
  ['help', 'HELP', 'help'],
  ['Info', 'INFO', 'help'],
  ['HOURS', 'custom keyword', 'reply'],
  ['ÖFFNUNGSZEITEN', 'custom keyword with umlauts, other case', 'reply'],
  ['O\u0308ffnungszeiten', 'custom keyword, decomposed umlaut', 'reply'],
  ['please don\'t stop', 'STOP inside a sentence', null],
  ['stop it', 'STOP and more', null],
  ['STOP!', 'STOP with punctuation', null],
  ['stopp', 'a longer word', null],
  ['S T O P', 'spaced letters', null],
  ['', 'empty', null],
  ['   ', 'blank', null],
  ['hello', 'anything else', null],
];

for (const [text, what, action] of cases) {
  test(`keyword: ${what} → ${action ?? 'no match'}`, () => {
    assert.equal(matchKeyword(config, text)?.action ?? null, action);
  });
}

test('the reply comes with the match', () => {
  assert.equal(matchKeyword(config, 'hours')?.reply, 'Open 9-17');
  assert.equal(matchKeyword(config, 'stop')?.reply, DEFAULT_KEYWORDS.opt_out.reply);
  assert.equal(matchKeyword(config, 'stop')?.keyword, 'STOP');
});

test('normalisation', () => {
  assert.equal(normalizeKeyword('  ﬁne\tday  '), 'FINE DAY');
});

test('accents fold as well as case and width: Arrêt matches ARRET', () => {
  const french = { ...DEFAULT_KEYWORDS, opt_out: { ...DEFAULT_KEYWORDS.opt_out, keywords: [...DEFAULT_KEYWORDS.opt_out.keywords, 'ARRET'] } };
  for (const text of ['Arrêt', 'ARRÊT', 'arret', 'Ａｒｒêｔ', 'Arre\u0302t']) assert.equal(matchKeyword(french, text)?.action, 'opt_out', text);
  assert.equal(normalizeKeyword('Désinscription'), 'DESINSCRIPTION');
  assert.equal(normalizeKeyword('ΣΤΆΣΗ'), 'ΣΤΑΣΗ', 'Greek tonos folds');
  assert.equal(normalizeKeyword('стоп'), 'СТОП');
  // A Devanagari vowel sign is part of the word, not an accent.
  assert.notEqual(normalizeKeyword('रोको'), normalizeKeyword('रक'));
  // An accented keyword and its plain spelling are the same keyword: a conflict across groups.
  const clash = { ...DEFAULT_KEYWORDS, custom: [{ keyword: 'Stöp', reply: 'x' }] };
  assert.equal(keywordConflicts(clash).length, 1);
});

test('a keyword in two groups is a conflict', () => {
  assert.deepEqual(keywordConflicts(config), []);
  const bad = { ...config, custom: [{ keyword: 'stop', reply: 'x' }] };
  assert.equal(keywordConflicts(bad).length, 1);
});

test('inner whitespace of any length and kind matches a single space', () => {
  const withPhrase = { ...DEFAULT_KEYWORDS, custom: [{ keyword: 'opening hours', reply: 'Open 9-17' }] };
  assert.equal(matchKeyword(withPhrase, 'Opening   hours')?.action, 'reply');
  assert.equal(matchKeyword(withPhrase, 'opening\n\thours')?.action, 'reply');
  assert.equal(normalizeKeyword('a \u00a0 b'), 'A B');
});

test('a blank message matches nothing, even an empty keyword left in a configuration', () => {
  // keywordConflicts reports empty keywords, but a stored configuration may predate that check.
  const withEmpty = { ...DEFAULT_KEYWORDS, custom: [{ keyword: ' ', reply: 'never sent' }] };
  assert.equal(matchKeyword(withEmpty, ''), null);
  assert.equal(matchKeyword(withEmpty, '\u200b '), null);
});

test('compliance keywords win over a custom keyword spelled the same', () => {
  const shadowed = { ...DEFAULT_KEYWORDS, custom: [{ keyword: 'stop', reply: 'custom' }] };
  assert.deepEqual(matchKeyword(shadowed, 'STOP'), { action: 'opt_out', keyword: 'STOP', reply: DEFAULT_KEYWORDS.opt_out.reply });
});

test('each group answers with its own reply and the keyword as configured', () => {
  assert.deepEqual(matchKeyword(DEFAULT_KEYWORDS, 'yes'), { action: 'opt_in', keyword: 'YES', reply: DEFAULT_KEYWORDS.opt_in.reply });
  assert.deepEqual(matchKeyword(DEFAULT_KEYWORDS, 'info'), { action: 'help', keyword: 'INFO', reply: DEFAULT_KEYWORDS.help.reply });
  assert.deepEqual(matchKeyword(config, 'HOURS'), { action: 'reply', keyword: 'hours', reply: 'Open 9-17' });
  assert.equal(matchKeyword(DEFAULT_KEYWORDS, 'hours'), null, 'the defaults have no custom keywords');
});

test('the default replies tell the customer how to opt out and back in', () => {
  // Carrier rules: the opt-out confirmation says how to come back, HELP says how to stop.
  assert.match(DEFAULT_KEYWORDS.opt_out.reply, /unsubscribed.*Reply START/);
  assert.match(DEFAULT_KEYWORDS.opt_in.reply, /Reply STOP to unsubscribe, HELP for help/);
  assert.match(DEFAULT_KEYWORDS.help.reply, /Reply STOP to unsubscribe, START to subscribe again/);
  assert.deepEqual(DEFAULT_KEYWORDS.custom, []);
});

test('conflicts name the keyword and both groups; empty keywords are named by group', () => {
  assert.deepEqual(keywordConflicts(DEFAULT_KEYWORDS), []);
  const bad = {
    opt_out: { keywords: ['STOP', 'stop ', ''], reply: '' },
    opt_in: { keywords: ['START', 'Stop'], reply: '' },
    help: { keywords: ['HELP', 'start', '\u200b'], reply: '' },
    custom: [{ keyword: 'help', reply: 'x' }, { keyword: ' ', reply: 'y' }, { keyword: 'hours', reply: 'z' }],
  };
  assert.deepEqual(keywordConflicts(bad), [
    '"stop " is both in opt_out and opt_out',
    'an empty keyword in opt_out',
    '"Stop" is both in opt_out and opt_in',
    '"start" is both in opt_in and help',
    'an empty keyword in help',
    '"help" is both in help and custom',
    'an empty keyword in custom',
  ]);
});

test('an opt-out group is unchanged by reordering, re-casing or repeating its keywords', () => {
  // The API lets only the admin key change the opt-out group; this decides what a change is.
  const group = { keywords: ['STOP', 'QUIT'], reply: 'Bye' };
  assert.equal(sameKeywordGroup(group, { keywords: ['quit', ' Stop', 'STOP'], reply: 'Bye' }), true);
  assert.equal(sameKeywordGroup(group, { keywords: ['STOP'], reply: 'Bye' }), false, 'a keyword removed');
  assert.equal(sameKeywordGroup(group, { keywords: ['STOP', 'QUIT', 'END'], reply: 'Bye' }), false, 'a keyword added');
  assert.equal(sameKeywordGroup(group, { keywords: ['STOP', 'QUIT'], reply: 'Bye!' }), false, 'the reply changed');
  assert.equal(sameKeywordGroup(group, { keywords: ['QUI', 'TSTOP'], reply: 'Bye' }), false, 'other keywords, same letters');
});
