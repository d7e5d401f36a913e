// The Sinch Conversation API provider (type `sinch_conversation`): WhatsApp and RCS through
// Sinch Mobile Messaging, the pieces of this folder behind ProviderAdapter.
import { SIGNATURE_HEADER } from '../sinch-signature.js';
import type { ProviderAdapter } from '../types.js';
import {
  SinchConversationConfigSchema,
  SinchConversationSecretsSchema,
  type SinchConversationConfig,
  type SinchConversationSecrets,
} from './config.js';
import { sendSinchConversation } from './send.js';
import { SinchConversationTokenCache } from './token.js';
import { verifySinchConversation } from './verify.js';
import { parseWebhook, verifyWebhook, webhookEndpoints } from './webhook.js';

export interface SinchConversationAdapterOptions {
  /** Share or inspect the OAuth2 token cache; by default each adapter makes its own. */
  tokens?: SinchConversationTokenCache;
}

export type SinchConversationAdapter = ProviderAdapter<SinchConversationConfig, SinchConversationSecrets> & {
  /** The adapter's OAuth2 token cache (one token per integration credentials). */
  readonly tokens: SinchConversationTokenCache;
};

/** Factory so tests (and unusual deployments) get their own token cache. */
export function createSinchConversationAdapter(options: SinchConversationAdapterOptions = {}): SinchConversationAdapter {
  const tokens = options.tokens ?? new SinchConversationTokenCache();
  return {
    type: 'sinch_conversation',
    displayName: 'Sinch Mobile Messaging (Conversation API)',
    channels: ['whatsapp', 'rcs'],
    // The WhatsApp sender and the RCS agent belong to the app's channel credentials.
    senders: { whatsapp: [], rcs: [] },
    configSchema: SinchConversationConfigSchema,
    secretsSchema: SinchConversationSecretsSchema,
    webhookEndpoints,
    redactHeaders: [SIGNATURE_HEADER],
    tokens,
    send: (ctx, message) => sendSinchConversation(ctx, message, tokens),
    verify: (ctx) => verifySinchConversation(ctx, tokens),
    verifyWebhook,
    parseWebhook: (hook) => parseWebhook(hook.endpoint, hook.rawBody, hook.contentType),
  };
}

export const sinchConversationAdapter = createSinchConversationAdapter();

