// The Sinch SMS provider (type `sinch_sms`): the pieces of this folder behind ProviderAdapter.
import { SIGNATURE_HEADER } from '../sinch-signature.js';
import type { ProviderAdapter } from '../types.js';
import { SinchSmsConfigSchema, SinchSmsSecretsSchema, type SinchSmsConfig, type SinchSmsSecrets } from './config.js';
import { sendSinchSms, type SinchSmsSendOptions } from './send.js';
import { parseWebhook, verifyWebhook, webhookEndpoints } from './webhook.js';

export type SinchSmsAdapterOptions = SinchSmsSendOptions;

/** Factory so tests (and unusual deployments) can shorten the HTTP timeout. */
export function createSinchSmsAdapter(options: SinchSmsAdapterOptions = {}): ProviderAdapter<SinchSmsConfig, SinchSmsSecrets> {
  return {
    type: 'sinch_sms',
    displayName: 'Sinch SMS',
    channels: ['sms'],
    configSchema: SinchSmsConfigSchema,
    secretsSchema: SinchSmsSecretsSchema,
    webhookEndpoints,
    redactHeaders: [SIGNATURE_HEADER],
    send: (ctx, message) => sendSinchSms(ctx, message, options),
    verifyWebhook,
    parseWebhook: (hook) => parseWebhook(hook.endpoint, hook.rawBody, hook.contentType),
  };
}

export const sinchSmsAdapter = createSinchSmsAdapter();

