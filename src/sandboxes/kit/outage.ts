// Outage mode, for failover tests: the whole API answers 503 (as a load balancer in front of a
// failed service would), or refuses connections, until turned off. Any sandbox can take it (the
// CM.com one does: an onRequest hook asks `blocks`, a control route calls `set`). The sandbox's own control
// routes (/sandbox/…) keep answering in `http_503` mode so a test or a person can end it; in
// `refuse` mode only the programmatic switch can (no connection gets through).
import type { Server, Socket } from 'node:net';

export type OutageMode = 'off' | 'http_503' | 'refuse';
export const OUTAGE_MODES: readonly OutageMode[] = ['off', 'http_503', 'refuse'];

export class Outage {
  mode: OutageMode = 'off';
  private readonly refuse = (socket: Socket) => socket.destroy();

  constructor(private readonly server: () => Server & { closeAllConnections?: () => void }) {}

  set(mode: OutageMode): void {
    const server = this.server();
    server.off('connection', this.refuse);
    this.mode = mode;
    if (mode === 'refuse') {
      // Kept-alive connections would still get through: drop them, and every new one on arrival.
      server.prependListener('connection', this.refuse);
      server.closeAllConnections?.();
    }
  }

  /** Whether an API request must get the outage answer. */
  blocks(path: string): boolean {
    return this.mode === 'http_503' && !path.startsWith('/sandbox/');
  }
}
