// The Sinch SMS provider (type `sinch_sms`): the pieces of this folder behind ProviderAdapter.
import { SIGNATURE_HEADER } from '../sinch-signature.js';
import type { ProviderAdapter } from '../types.js';
import { SinchSmsConfigSchema, SinchSmsSecretsSchema, type SinchSmsConfig, type SinchSmsSecrets } from './config.js';
import { findSinchSmsBatch } from './find.js';
import { sendSinchSms } from './send.js';
import { verifySinchSms } from './verify.js';
import { parseWebhook, verifyWebhook, webhookEndpoints } from './webhook.js';

/** A fresh adapter object (tests that replace its methods get their own). */
export function createSinchSmsAdapter(): ProviderAdapter<SinchSmsConfig, SinchSmsSecrets> {
  return {
    type: 'sinch_sms',
    displayName: 'Sinch SMS',
    channels: ['sms'],
    // `from`: a phone number (with or without +), a short code or an alphanumeric sender ID.
    senders: { sms: ['e164', 'msisdn', 'short_code', 'alphanumeric'] },
    configSchema: SinchSmsConfigSchema,
    secretsSchema: SinchSmsSecretsSchema,
    webhookEndpoints,
    redactHeaders: [SIGNATURE_HEADER],
    send: sendSinchSms,
    findSent: findSinchSmsBatch,
    verify: verifySinchSms,
    verifyWebhook,
    parseWebhook: (hook) => parseWebhook(hook.endpoint, hook.rawBody, hook.contentType),
  };
}

export const sinchSmsAdapter = createSinchSmsAdapter();

