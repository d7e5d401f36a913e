// The providers this build knows, by integration type.
import { cmAdapter } from './cm/index.js';
import { sinchConversationAdapter } from './sinch-conversation/index.js';
import { sinchSmsAdapter } from './sinch-sms/index.js';
import { twilioAdapter } from './twilio/index.js';
import type { AnyAdapter, ProviderType } from './types.js';

// Each provider once, keyed by integration type; ProviderType is derived from these keys.
export const adapters = {
  sinch_sms: sinchSmsAdapter,
  sinch_conversation: sinchConversationAdapter,
  twilio: twilioAdapter,
  cm: cmAdapter,
} satisfies Record<string, AnyAdapter>;

// Adapters are typed by their own config; the registry erases that for the generic core.
export function getAdapter(type: string): AnyAdapter | undefined {
  return Object.hasOwn(adapters, type) ? adapters[type as ProviderType] : undefined;
}

export function allAdapters(): AnyAdapter[] {
  return Object.values(adapters);
}

export function providerTypes(): ProviderType[] {
  return Object.keys(adapters) as ProviderType[];
}
