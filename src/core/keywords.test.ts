import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_KEYWORDS, keywordConflicts, matchKeyword, normalizeKeyword } from './keywords.js';

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

test('a keyword in two groups is a conflict', () => {
  assert.deepEqual(keywordConflicts(config), []);
  const bad = { ...config, custom: [{ keyword: 'stop', reply: 'x' }] };
  assert.equal(keywordConflicts(bad).length, 1);
});
