import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import {
  bodySha256,
  checkTwilioBodySignature,
  formParams,
  isValidTwilioSignature,
  twilioSignature,
  urlVariants,
  type TwilioParams,
} from './signature.js';

// Published test vectors (docs/providers/twilio.md C.7).
const TOKEN = '12345';
const FORM_URL = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const FORM_PARAMS = {
  CallSid: 'CA1234567890ABCDE',
  Caller: '+14158675309',
  Digits: '1234',
  From: '+14158675309',
  To: '+18005551212',
};
const FORM_SIGNATURE = 'RSOYDt4T1cUTdK1PDd93/VVr8B8=';
const JSON_BODY = '{"property": "value", "boolean": true}';
const JSON_HASH = '0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620';
const JSON_URL = `${FORM_URL}&bodySHA256=${JSON_HASH}`;
const JSON_SIGNATURE = 'a9nBmqA0ju/hNViExpshrM61xv4=';

test('the published form vector', () => {
  assert.equal(twilioSignature(TOKEN, FORM_URL, FORM_PARAMS), FORM_SIGNATURE);
  assert.equal(isValidTwilioSignature(TOKEN, FORM_SIGNATURE, FORM_URL, FORM_PARAMS), true);
  // The official validator agrees.
  assert.equal(twilio.validateRequest(TOKEN, FORM_SIGNATURE, FORM_URL, FORM_PARAMS), true);
});

test('the published bodySHA256 vector', () => {
  assert.equal(bodySha256(JSON_BODY), JSON_HASH);
  assert.equal(twilioSignature(TOKEN, JSON_URL), JSON_SIGNATURE);
  assert.deepEqual(checkTwilioBodySignature(TOKEN, JSON_SIGNATURE, JSON_URL, Buffer.from(JSON_BODY)), { ok: true });
  assert.equal(twilio.validateRequestWithBody(TOKEN, JSON_SIGNATURE, JSON_URL, JSON_BODY), true);
});

test('tampered form requests fail', () => {
  const cases: { name: string; token?: string; signature?: string; url?: string; params?: TwilioParams; oursOnly?: boolean }[] = [
    { name: 'other token', token: '12346' },
    { name: 'signature changed', signature: 'RSOYDt4T1cUTdK1PDd93/VVr8B9=' },
    { name: 'signature truncated', signature: FORM_SIGNATURE.slice(0, -1) },
    { name: 'empty signature', signature: '' },
    { name: 'param value changed', params: { ...FORM_PARAMS, Digits: '1235' } },
    { name: 'param added', params: { ...FORM_PARAMS, Extra: '' } },
    { name: 'param removed', params: { ...FORM_PARAMS, Digits: undefined as unknown as string } },
    { name: 'key case changed', params: { ...Object.fromEntries(Object.entries(FORM_PARAMS).filter(([k]) => k !== 'To')), to: '+18005551212' } },
    { name: 'query changed', url: 'https://mycompany.com/myapp.php?foo=1&bar=3' },
    { name: 'host changed', url: 'https://mycompany.org/myapp.php?foo=1&bar=2' },
    { name: 'scheme changed', url: 'http://mycompany.com/myapp.php?foo=1&bar=2' },
    // The official validator also tries the URL with any port removed; we only drop the
    // scheme's default port, so a signature for :443 cannot be replayed against :8443.
    { name: 'non-default port', url: 'https://mycompany.com:8443/myapp.php?foo=1&bar=2', oursOnly: true },
  ];
  for (const c of cases) {
    const params = Object.fromEntries(Object.entries(c.params ?? FORM_PARAMS).filter(([, v]) => v !== undefined));
    const args = [c.token ?? TOKEN, c.signature ?? FORM_SIGNATURE, c.url ?? FORM_URL, params] as const;
    assert.equal(isValidTwilioSignature(...args), false, c.name);
    if (!c.oursOnly) assert.equal(twilio.validateRequest(...args), false, `${c.name} (official)`);
  }
});

test('tampered bodySHA256 requests fail', () => {
  const otherHash = bodySha256('{"property": "value", "boolean": false}');
  const cases: { name: string; signature?: string; url?: string; body?: string; reason: string }[] = [
    { name: 'body changed', body: '{"property": "value", "boolean": false}', reason: 'bodySHA256 does not match the body' },
    { name: 'hash changed with the body', body: '{"property": "value", "boolean": false}', url: `${FORM_URL}&bodySHA256=${otherHash}`, reason: 'X-Twilio-Signature does not match' },
    { name: 'no bodySHA256', url: FORM_URL, reason: 'JSON webhook without a bodySHA256 URL parameter' },
    { name: 'signature changed', signature: 'a9nBmqA0ju/hNViExpshrM61xv5=', reason: 'X-Twilio-Signature does not match' },
    { name: 'upper-case hash', url: `${FORM_URL}&bodySHA256=${JSON_HASH.toUpperCase()}`, reason: 'bodySHA256 does not match the body' },
  ];
  for (const c of cases) {
    const result = checkTwilioBodySignature(TOKEN, c.signature ?? JSON_SIGNATURE, c.url ?? JSON_URL, Buffer.from(c.body ?? JSON_BODY));
    assert.deepEqual(result, { ok: false, reason: c.reason }, c.name);
    assert.equal(twilio.validateRequestWithBody(TOKEN, c.signature ?? JSON_SIGNATURE, c.url ?? JSON_URL, c.body ?? JSON_BODY), false, `${c.name} (official)`);
  }
});

test('URL variants: with and without the default port, never another port', () => {
  const cases: [string, string[]][] = [
    ['https://h.example/p?q=1', ['https://h.example/p?q=1', 'https://h.example:443/p?q=1']],
    ['https://h.example:443/p', ['https://h.example:443/p', 'https://h.example/p']],
    ['http://h.example/p', ['http://h.example/p', 'http://h.example:80/p']],
    ['http://h.example:80', ['http://h.example:80', 'http://h.example']],
    ['https://user:pw@h.example/p', ['https://user:pw@h.example/p', 'https://user:pw@h.example:443/p']],
    ['https://[::1]/p', ['https://[::1]/p', 'https://[::1]:443/p']],
    ['https://[::1]:443/p', ['https://[::1]:443/p', 'https://[::1]/p']],
    ['https://h.example:8443/p', ['https://h.example:8443/p']],
    ['http://127.0.0.1:8080/w', ['http://127.0.0.1:8080/w']],
    ['ftp://h.example/p', ['ftp://h.example/p']],
    ['not a url', ['not a url']],
  ];
  for (const [url, expected] of cases) assert.deepEqual(urlVariants(url), expected, url);

  // Signed with the port, checked without it, and the other way round, as the official validator does.
  const withPort = 'https://mycompany.com:443/myapp.php?foo=1&bar=2';
  const signedWithPort = twilioSignature(TOKEN, withPort, FORM_PARAMS);
  assert.equal(isValidTwilioSignature(TOKEN, signedWithPort, FORM_URL, FORM_PARAMS), true);
  assert.equal(isValidTwilioSignature(TOKEN, FORM_SIGNATURE, withPort, FORM_PARAMS), true);
  assert.equal(twilio.validateRequest(TOKEN, signedWithPort, FORM_URL, FORM_PARAMS), true);
});

test('repeated keys: sorted distinct values; form decoding keeps them', () => {
  const body = 'MediaUrl=https%3A%2F%2Fb.example%2F2&To=%2B1555&MediaUrl=https%3A%2F%2Fa.example%2F1&MediaUrl=https%3A%2F%2Fb.example%2F2&Body=a+b%26c';
  const params = formParams(Buffer.from(body));
  assert.deepEqual({ ...params }, {
    MediaUrl: ['https://b.example/2', 'https://a.example/1', 'https://b.example/2'],
    To: '+1555',
    Body: 'a b&c',
  });
  const url = 'https://hub.example/webhooks/i/t/status?message_id=m1';
  const expected = twilio.getExpectedTwilioSignature('tok', url, params);
  assert.equal(twilioSignature('tok', url, params), expected);
  assert.equal(twilioSignature('tok', url, { ...params, MediaUrl: ['https://a.example/1', 'https://b.example/2'] }), expected);
});

test('random parameter sets agree with the official library', () => {
  const alphabet = ['a', 'B', 'z', 'Ä', '😀', '_', '0', ' ', '+', '&', '='];
  const pick = (n: number) => Array.from({ length: n }, () => alphabet[randomBytes(1)[0]! % alphabet.length]).join('');
  for (let i = 0; i < 200; i++) {
    const params: Record<string, string | string[]> = {};
    const count = randomBytes(1)[0]! % 6;
    for (let k = 0; k < count; k++) {
      const key = `${pick(1)}${pick(3)}`;
      params[key] = randomBytes(1)[0]! % 4 === 0 ? [pick(2), pick(2), pick(2)] : pick(5);
    }
    const token = randomBytes(8).toString('hex');
    const url = `https://hub.example/w?x=${encodeURIComponent(pick(3))}`;
    const signature = twilioSignature(token, url, params);
    assert.equal(signature, twilio.getExpectedTwilioSignature(token, url, params), JSON.stringify(params));
    assert.equal(twilio.validateRequest(token, signature, url, params), true);
  }
});
