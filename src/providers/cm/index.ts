// The CM.com Business Messaging provider (type `cm`): the pieces of this folder behind ProviderAdapter.
// No `verify`: CM offers no authenticated read that sends nothing (docs/providers/cm.md D.8).
import type { ProviderAdapter } from '../types.js';
import { CmConfigSchema, CmSecretsSchema, type CmConfig, type CmSecrets } from './config.js';
import { sendCm } from './send.js';
import { parseWebhook, verifyWebhook, webhookEndpoints } from './webhook.js';

/** A fresh adapter object (tests that replace its methods get their own). */
export function createCmAdapter(): ProviderAdapter<CmConfig, CmSecrets> {
  return {
    type: 'cm',
    displayName: 'CM.com',
    channels: ['sms'],
    // `from`: up to 16 digits (a number or short code) or up to 11 alphanumeric characters (D.3).
    senders: { sms: ['e164', 'msisdn', 'short_code', 'alphanumeric'] },
    configSchema: CmConfigSchema,
    secretsSchema: CmSecretsSchema,
    webhookEndpoints,
    // The product token travels in the body, never in a header.
    redactHeaders: [],
    send: sendCm,
    verifyWebhook,
    parseWebhook,
  };
}

export const cmAdapter = createCmAdapter();
