// The Twilio Programmable Messaging provider (type `twilio`): the pieces of this folder behind
// ProviderAdapter.
import type { ProviderAdapter } from '../types.js';
import { TwilioConfigSchema, TwilioSecretsSchema, type TwilioConfig, type TwilioSecrets } from './config.js';
import { sendTwilio } from './send.js';
import { SIGNATURE_HEADER } from './signature.js';
import { verifyTwilio } from './verify.js';
import { parseWebhook, verifyWebhook, webhookEndpoints } from './webhook.js';

/** A fresh adapter object (tests that replace its methods get their own). */
export function createTwilioAdapter(): ProviderAdapter<TwilioConfig, TwilioSecrets> {
  return {
    type: 'twilio',
    displayName: 'Twilio Messaging',
    channels: ['sms', 'mms'],
    // `From` is an E.164 number, a short code or (SMS only) an alphanumeric sender ID; `MG…` goes
    // as MessagingServiceSid.
    senders: { sms: ['e164', 'short_code', 'alphanumeric', 'messaging_service'], mms: ['e164', 'short_code', 'messaging_service'] },
    configSchema: TwilioConfigSchema,
    secretsSchema: TwilioSecretsSchema,
    webhookEndpoints,
    redactHeaders: [SIGNATURE_HEADER],
    send: sendTwilio,
    verify: verifyTwilio,
    verifyWebhook,
    parseWebhook,
  };
}

export const twilioAdapter = createTwilioAdapter();

