import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatClientReference, parseClientReference } from './client-reference.js';

const cases: [string, string | null | undefined, string | null, string | null, Record<string, string>?][] = [
  ['uid and category', '$uid=cust-1$cat=otp', 'cust-1', 'otp'],
  ['category first', '$cat=payment$uid=42', '42', 'payment'],
  ['no category', '$uid=abc', 'abc', null],
  ['empty category', '$uid=abc$cat=', 'abc', null],
  ['empty uid', '$uid=$cat=otp', null, 'otp'],
  ['no uid at all', '$cat=otp', null, 'otp'],
  ['URL-encoded values', '$uid=jane%40example.com$cat=two%20factor', 'jane@example.com', 'two factor'],
  ['a literal $ inside an encoded value', '$uid=a%24b$cat=x', 'a$b', 'x'],
  ['unknown extra keys', '$uid=u1$src=crm$cat=otp$v=2', 'u1', 'otp', { src: 'crm', v: '2' }],
  ['extra keys with empty values are dropped', '$uid=u1$src=$v= $cat=otp', 'u1', 'otp', {}],
  ['extra keys: case-insensitive, the first wins', '$uid=u1$Src=crm$SRC=erp', 'u1', null, { src: 'crm' }],
  ['a pair without a key is ignored', '$=orphan$uid=u1', 'u1', null, {}],
  ['spaces around keys', '$ uid =u4$ cat\t=otp', 'u4', 'otp'],
  ['encoded spaces around values are trimmed', '$uid=%20u5%20$cat=%09otp', 'u5', 'otp'],
  ['a value of only spaces is absent', '$uid= %20 $cat=otp', null, 'otp'],
  ['no leading $', 'uid=u2$cat=c', 'u2', 'c'],
  ['upper-case keys and spaces', '$UID= u3 $Cat=Promo', 'u3', 'Promo'],
  ['repeated key: the first wins', '$uid=first$uid=second', 'first', null],
  ['value containing =', '$uid=a=b$cat=c', 'a=b', 'c'],
  ['malformed percent-encoding is kept raw', '$uid=50%off', '50%off', null],
  ['garbage', 'hello world', null, null, {}],
  ['empty', '', null, null],
  ['missing', undefined, null, null],
  ['null', null, null, null],
  ['only separators', '$$$', null, null],
];

for (const [what, raw, uid, category, extra] of cases) {
  test(`client_reference: ${what}`, () => {
    const r = parseClientReference(raw);
    assert.equal(r.uid, uid);
    assert.equal(r.category, category);
    if (extra) assert.deepEqual(r.extra, extra);
  });
}

test('format and parse round-trip', () => {
  for (const [uid, cat] of [['a', 'b'], ['x$y=z', 'c d'], ['ünï', undefined]] as const) {
    const r = parseClientReference(formatClientReference(uid, cat));
    assert.equal(r.uid, uid);
    assert.equal(r.category, cat ?? null);
  }
});
