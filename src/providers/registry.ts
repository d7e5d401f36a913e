// The providers this build knows, by integration type.
import { sinchConversationAdapter } from './sinch-conversation/index.js';
import { sinchSmsAdapter } from './sinch-sms/index.js';
import { twilioAdapter } from './twilio/index.js';
import type { ProviderAdapter, ProviderType } from './types.js';

// Adapters are typed by their own config; the registry erases that for the generic core.
const adapters: Partial<Record<ProviderType, ProviderAdapter<any, any>>> = {
  sinch_sms: sinchSmsAdapter,
  sinch_conversation: sinchConversationAdapter,
  twilio: twilioAdapter,
};

export function getAdapter(type: string): ProviderAdapter<any, any> | undefined {
  return adapters[type as ProviderType];
}

export function providerTypes(): ProviderType[] {
  return Object.keys(adapters) as ProviderType[];
}
