// What a sandbox folder gives the rest of the hub: a CLI entry and a demo starter, listed once
// in registry.ts. The demo starter owns its provider's wiring (credentials, integration config
// pointing at the sandbox URL) so demo.ts stays provider-agnostic.
import type { ProviderType } from '../providers/types.js';

/** The demo project's integration of one provider, pointed at its sandbox with demo credentials. */
export interface DemoIntegration {
  /** Integration name; the demo finds it again by name on restart. */
  name: string;
  provider: ProviderType;
  config: Record<string, unknown>;
  secrets: Record<string, unknown>;
  rate_limit: number;
}

/** A sandbox listening for the demo, and how the demo project uses it. */
export interface DemoSandbox {
  url: string;
  integration: DemoIntegration;
  /** Channels whose project default integration this becomes, unless one is set already. */
  defaultFor?: readonly ('sms' | 'whatsapp' | 'rcs')[];
  /** Channels whose failover list (docs/failover.md) this becomes, unless the channel has one already. */
  failoverFor?: readonly ('sms' | 'whatsapp' | 'rcs')[];
  /** A default sender profile on this integration, created unless the channel has one. */
  senderProfile?: { name: string; channel: 'sms' | 'mms' | 'whatsapp' | 'rcs'; sender: string };
  /** Gives the sandbox the integration's webhook URLs, for providers whose callback target is set on their side. */
  connect?(webhookUrls: Record<string, string> | undefined): void;
  close(): Promise<void>;
}

export interface SandboxEntry {
  /** `switchboard sandbox NAME`. */
  name: string;
  /** How the console banner names it. */
  displayName: string;
  /** Runs the sandbox on its own from command-line flags until SIGINT/SIGTERM. */
  run(argv: string[]): Promise<void>;
  /** Starts the sandbox with demo credentials, listening on host:port. */
  startDemo(port: number, host: string): Promise<DemoSandbox>;
}
