import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findUrls, isAutomatedVisit, LINK_CODE_LENGTH, newLinkCode, replaceUrls } from './links.js';

const cases: [string, string[]][] = [
  ['no links here', []],
  ['Sale: https://shop.example.com/sale today', ['https://shop.example.com/sale']],
  ['See https://example.com/a.', ['https://example.com/a']],
  ['(https://example.com/a)', ['https://example.com/a']],
  ['Read https://en.wikipedia.org/wiki/Foo_(bar) now', ['https://en.wikipedia.org/wiki/Foo_(bar)']],
  ['Two: http://a.io/x?y=1&z=2, and HTTPS://B.IO/#top!', ['http://a.io/x?y=1&z=2', 'HTTPS://B.IO/#top']],
  ['bare domain example.com is not a link', []],
  ['ftp://files.example.com is not tracked', []],
  ['https:// alone', []],
  ['Unicode: https://例え.jp/パス 😀', ['https://例え.jp/パス']],
];
for (const [text, urls] of cases) {
  test(`findUrls: ${text}`, () => {
    assert.deepEqual(findUrls(text).map((u) => u.url), urls);
  });
}

test('replaceUrls swaps each link in place', () => {
  const text = 'A https://a.io/1 and https://b.io/2.';
  assert.equal(replaceUrls(text, findUrls(text), (_u, i) => `<${i}>`), 'A <0> and <1>.');
});

test('link codes are short, url-safe and distinct', () => {
  const codes = new Set(Array.from({ length: 2000 }, newLinkCode));
  assert.equal(codes.size, 2000);
  for (const c of codes) assert.match(c, new RegExp(`^[A-Za-z0-9]{${LINK_CODE_LENGTH}}$`));
});

const browser = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
const visits: [string, string, Record<string, string>, boolean][] = [
  ['a phone browser', 'GET', { 'user-agent': browser }, false],
  ['Android Chrome', 'GET', { 'user-agent': 'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36' }, false],
  ['HEAD', 'HEAD', { 'user-agent': browser }, true],
  ['no user agent', 'GET', {}, true],
  ['facebook', 'GET', { 'user-agent': 'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)' }, true],
  ['whatsapp preview', 'GET', { 'user-agent': 'WhatsApp/2.23.20.0 A' }, true],
  ['slack', 'GET', { 'user-agent': 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)' }, true],
  ['twitter', 'GET', { 'user-agent': 'Twitterbot/1.0' }, true],
  ['telegram', 'GET', { 'user-agent': 'TelegramBot (like TwitterBot)' }, true],
  ['googlebot', 'GET', { 'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' }, true],
  ['iMessage preview', 'GET', { 'user-agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_1) AppleWebKit/601.2.4 (KHTML, like Gecko) Version/9.0.1 Safari/601.2.4 facebookexternalhit/1.1 Facebot Twitterbot/1.0' }, true],
  ['curl', 'GET', { 'user-agent': 'curl/8.4.0' }, true],
  ['browser prefetch', 'GET', { 'user-agent': browser, 'sec-purpose': 'prefetch' }, true],
  ['legacy prefetch', 'GET', { 'user-agent': browser, purpose: 'prefetch' }, true],
];
for (const [what, method, headers, automated] of visits) {
  test(`visit by ${what} is ${automated ? 'ignored' : 'a click'}`, () => {
    assert.equal(isAutomatedVisit(method, headers), automated);
  });
}
