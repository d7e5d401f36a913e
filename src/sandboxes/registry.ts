// The provider sandboxes this build has, each listed once: `switchboard sandbox NAME` runs one,
// `serve --demo` starts them all on consecutive ports in this order. A new provider's sandbox
// is its folder plus one line here.
import { runCmSandbox } from './cm/cli.js';
import { startCmDemo } from './cm/demo.js';
import { runSinchConversationSandbox } from './sinch-conversation/cli.js';
import { startSinchConversationDemo } from './sinch-conversation/demo.js';
import { runSinchSmsSandbox } from './sinch-sms/cli.js';
import { startSinchSmsDemo } from './sinch-sms/demo.js';
import { runTwilioSandbox } from './twilio/cli.js';
import { startTwilioDemo } from './twilio/demo.js';
import type { SandboxEntry } from './types.js';

export const sandboxes: readonly SandboxEntry[] = [
  { name: 'sinch-sms', displayName: 'Sinch SMS', run: runSinchSmsSandbox, startDemo: startSinchSmsDemo },
  { name: 'twilio', displayName: 'Twilio', run: runTwilioSandbox, startDemo: startTwilioDemo },
  { name: 'sinch-conversation', displayName: 'Sinch Conversation', run: runSinchConversationSandbox, startDemo: startSinchConversationDemo },
  { name: 'cm', displayName: 'CM.com', run: runCmSandbox, startDemo: startCmDemo },
];

export function findSandbox(name: string): SandboxEntry | undefined {
  return sandboxes.find((s) => s.name === name);
}
