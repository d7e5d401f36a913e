import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkProviderUrl, refusedAddress } from './provider-url.js';

const STRICT = { allowLoopback: false };
const LOOPBACK_OK = { allowLoopback: true };

/** [url, reason fragment when refused with loopback off (null: accepted), same with loopback allowed]. */
const URLS: [string, string | null, string | null][] = [
  ['https://us.sms.api.sinch.com', null, null],
  ['https://api.twilio.com/', null, null],
  ['http://proxy.internal:3128/sinch', null, null],
  ['http://10.0.0.5:8080', null, null],
  ['http://192.168.1.20', null, null],
  ['https://[2001:db8::1]:8443/x', null, null],
  ['https://auth.sinch.com/oauth2/token?x=1', null, null],
  // Schemes and shapes.
  ['ftp://files.example.com', 'http or https, not ftp', 'http or https, not ftp'],
  ['file:///etc/passwd', 'not file', 'not file'],
  ['gopher://example.com', 'not gopher', 'not gopher'],
  ['javascript:alert(1)', 'not javascript', 'not javascript'],
  ['example.com', 'not an absolute URL', 'not an absolute URL'],
  ['', 'not an absolute URL', 'not an absolute URL'],
  ['http://h:99999/', 'not an absolute URL', 'not an absolute URL'],
  ['https://user:pass@api.example.com', 'credentials', 'credentials'],
  ['https://user@api.example.com', 'credentials', 'credentials'],
  ['https://:pass@api.example.com', 'credentials', 'credentials'],
  ['https://api.example.com/#frag', 'fragment', 'fragment'],
  ['https://api.example.com/#', 'fragment', 'fragment'],
  // Link-local, every spelling of 169.254.169.254: refused whatever the flag says.
  ['http://169.254.169.254/latest/meta-data/', 'link-local', 'link-local'],
  ['http://169.254.0.1', 'link-local', 'link-local'],
  ['http://2852039166/', 'link-local', 'link-local'],
  ['http://0xa9fea9fe/', 'link-local', 'link-local'],
  ['http://0xA9.0xFE.0xA9.0xFE/', 'link-local', 'link-local'],
  ['http://0251.0376.0251.0376/', 'link-local', 'link-local'],
  ['http://169.254.43518/', 'link-local', 'link-local'],
  ['http://[::ffff:169.254.169.254]/', 'link-local', 'link-local'],
  ['http://[::ffff:a9fe:a9fe]/', 'link-local', 'link-local'],
  ['http://[0:0:0:0:0:ffff:a9fe:a9fe]/', 'link-local', 'link-local'],
  ['http://[64:ff9b::169.254.169.254]/', 'link-local', 'link-local'],
  ['http://[::169.254.169.254]/', 'link-local', 'link-local'],
  ['http://[fe80::1]/', 'link-local', 'link-local'],
  ['http://[FE80::abcd:1]:8080/', 'link-local', 'link-local'],
  ['http://[febf:ffff::1]/', 'link-local', 'link-local'],
  ['http://169.255.0.1', null, null],
  ['http://[fec0::1]/', null, null],
  // Unspecified: reaches this host on most systems.
  ['http://0.0.0.0:8080', 'unspecified', 'unspecified'],
  ['http://0/', 'unspecified', 'unspecified'],
  ['http://0x0/', 'unspecified', 'unspecified'],
  ['http://0.1.2.3/', 'unspecified', 'unspecified'],
  ['http://[::]/', 'unspecified', 'unspecified'],
  ['http://[::ffff:0.0.0.0]/', 'unspecified', 'unspecified'],
  // Loopback: only when allowed.
  ['http://127.0.0.1:9000', 'loopback', null],
  ['http://127.1/', 'loopback', null],
  ['http://2130706433/', 'loopback', null],
  ['http://0x7f000001/', 'loopback', null],
  ['http://017700000001/', 'loopback', null],
  ['http://127.255.255.254/', 'loopback', null],
  ['http://[::1]:9000', 'loopback', null],
  ['http://[0:0:0:0:0:0:0:1]/', 'loopback', null],
  ['http://[::ffff:127.0.0.1]/', 'loopback', null],
  ['http://[::ffff:7f00:1]/', 'loopback', null],
  ['http://localhost:9000', 'loopback', null],
  ['http://LOCALHOST./', 'loopback', null],
  ['http://api.localhost/', 'loopback', null],
  ['http://localhost.example.com/', null, null],
  ['http://128.0.0.1/', null, null],
];

test('provider URLs: what is accepted and why the rest is refused', () => {
  for (const [url, strict, loose] of URLS) {
    for (const [policy, expected] of [[STRICT, strict], [LOOPBACK_OK, loose]] as const) {
      const got = checkProviderUrl(url, policy);
      const label = `${url} (allowLoopback ${policy.allowLoopback})`;
      if (expected === null) assert.equal(got.ok, true, `${label}: ${got.ok ? '' : got.reason}`);
      else {
        assert.equal(got.ok, false, `${label} was accepted`);
        if (!got.ok) assert.ok(got.reason.includes(expected), `${label}: "${got.reason}" does not say "${expected}"`);
      }
    }
  }
});

test('addresses as a resolver returns them', () => {
  const cases: [string, string | null, string | null][] = [
    ['169.254.169.254', 'link-local', 'link-local'],
    ['::ffff:169.254.169.254', 'link-local', 'link-local'],
    ['fe80::1', 'link-local', 'link-local'],
    ['0.0.0.0', 'unspecified', 'unspecified'],
    ['::', 'unspecified', 'unspecified'],
    ['127.0.0.1', 'loopback', null],
    ['127.8.9.10', 'loopback', null],
    ['::1', 'loopback', null],
    ['::ffff:127.0.0.1', 'loopback', null],
    ['93.184.216.34', null, null],
    ['10.1.2.3', null, null],
    ['2606:4700::1111', null, null],
    // Not an IP literal: nothing to say (names are resolved first).
    ['localhost', null, null],
  ];
  for (const [ip, strict, loose] of cases) {
    for (const [policy, expected] of [[STRICT, strict], [LOOPBACK_OK, loose]] as const) {
      const got = refusedAddress(ip, policy);
      if (expected === null) assert.equal(got, null, `${ip}: ${got}`);
      else assert.ok(got?.includes(expected), `${ip} (allowLoopback ${policy.allowLoopback}): ${got}`);
    }
  }
});
