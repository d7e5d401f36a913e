// The Twilio Programmable Messaging provider (type `twilio`): the pieces of this folder behind
// ProviderAdapter.
import type { ProviderAdapter } from '../types.js';
import { TwilioConfigSchema, TwilioSecretsSchema, type TwilioConfig, type TwilioSecrets } from './config.js';
import { sendTwilio, type TwilioSendOptions } from './send.js';
import { SIGNATURE_HEADER } from './signature.js';
import { parseWebhook, verifyWebhook, webhookEndpoints } from './webhook.js';

export type TwilioAdapterOptions = TwilioSendOptions;

/** Factory so tests (and unusual deployments) can shorten the HTTP timeout. */
export function createTwilioAdapter(options: TwilioAdapterOptions = {}): ProviderAdapter<TwilioConfig, TwilioSecrets> {
  return {
    type: 'twilio',
    displayName: 'Twilio Messaging',
    channels: ['sms', 'mms'],
    configSchema: TwilioConfigSchema,
    secretsSchema: TwilioSecretsSchema,
    webhookEndpoints,
    redactHeaders: [SIGNATURE_HEADER],
    send: (ctx, message) => sendTwilio(ctx, message, options),
    verifyWebhook,
    parseWebhook,
  };
}

export const twilioAdapter = createTwilioAdapter();

