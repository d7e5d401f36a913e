import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_COMMENT_CHARS } from '../core/redact.js';
import { MAX_ERROR_CHARS, MAX_PROVIDER_ID_CHARS, sanitizeSendResult } from '../dispatch/sanitize.js';
import type { InboundMessage, StatusUpdate } from '../providers/types.js';
import { boundUpdate, MAX_ADDRESS_CHARS, MAX_INBOUND_MEDIA, MAX_INBOUND_TEXT_CHARS, MAX_REFERENCE_CHARS } from './bounds.js';

const huge = (c: string) => c.repeat(100_000);

const status = (over: Partial<StatusUpdate> = {}): StatusUpdate => ({
  kind: 'status',
  messageId: 'msg_1',
  providerMessageId: 'p1',
  recipient: '+46700000001',
  status: 'failed',
  providerStatus: 'Failed',
  statusCode: 400,
  error: 'E1',
  comment: 'no route',
  occurredAt: null,
  ...over,
});

test('a status update of ordinary size passes unchanged', () => {
  assert.deepEqual(boundUpdate(status()), status());
  assert.deepEqual(boundUpdate(status({ messageId: null, providerMessageId: null, recipient: null, error: null, comment: null })), status({ messageId: null, providerMessageId: null, recipient: null, error: null, comment: null }));
});

test("a status update's free text is cut to its bounds", () => {
  const u = boundUpdate(status({ messageId: huge('m'), providerMessageId: huge('p'), recipient: huge('1'), providerStatus: huge('S'), error: huge('e'), comment: huge('c\n') })) as StatusUpdate;
  assert.equal(u.messageId!.length, MAX_REFERENCE_CHARS);
  assert.equal(u.providerMessageId!.length, MAX_PROVIDER_ID_CHARS);
  assert.equal(u.recipient!.length, MAX_ADDRESS_CHARS);
  assert.equal(u.providerStatus.length, MAX_ERROR_CHARS);
  assert.equal(u.error!.length, MAX_ERROR_CHARS);
  assert.equal(u.comment!.length, MAX_COMMENT_CHARS);
  assert.ok(!u.comment!.includes('\n'));
});

test('a long provider message id is cut as its send result was, so the report still names the message', () => {
  const id = huge('x');
  const kept = sanitizeSendResult({ kind: 'confirmed', providerMessageId: id }, []) as { providerMessageId: string };
  assert.equal((boundUpdate(status({ providerMessageId: id })) as StatusUpdate).providerMessageId, kept.providerMessageId);
});

test('inbound: text cut with its line breaks kept, addresses cut, media bounded and over-long URLs dropped', () => {
  const inbound: InboundMessage = {
    kind: 'inbound',
    channel: 'sms',
    from: huge('1'),
    to: '+46700000002',
    text: `line one\nline two ${huge('t')}`,
    media: [{ url: `https://x.test/${huge('a')}`, contentType: 'image/png' }, ...Array.from({ length: 20 }, (_, i) => ({ url: `https://x.test/${i}`, contentType: huge('c') }))],
    providerMessageId: 'in_1',
    occurredAt: null,
  };
  const u = boundUpdate(inbound) as InboundMessage;
  assert.equal(u.text.length, MAX_INBOUND_TEXT_CHARS);
  assert.ok(u.text.startsWith('line one\nline two '));
  assert.equal(u.from.length, MAX_ADDRESS_CHARS);
  assert.equal(u.to, '+46700000002');
  assert.equal(u.media.length, MAX_INBOUND_MEDIA);
  assert.equal(u.media[0]!.url, 'https://x.test/0');
  assert.ok(u.media.every((m) => m.contentType!.length === MAX_ERROR_CHARS));

  const short = { ...inbound, from: '+46700000001', text: 'hi\nthere', media: [{ url: 'https://x.test/a.png', contentType: null }] };
  assert.deepEqual(boundUpdate(short), short);
});

test('consent and ignored updates are bounded too', () => {
  assert.equal((boundUpdate({ kind: 'consent', channel: 'sms', phone: huge('1'), optedOut: true, occurredAt: null }) as { phone: string }).phone.length, MAX_ADDRESS_CHARS);
  assert.equal((boundUpdate({ kind: 'ignored', reason: huge('r') }) as { reason: string }).reason.length, MAX_COMMENT_CHARS);
});
