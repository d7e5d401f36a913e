// Loopback helpers shared by the integration tests and the benchmarks.
import { createServer } from 'node:net';

/** A port nothing listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** The first of `n` consecutive ports nothing listens on right now, none of them in `avoid`. */
export async function freePortRun(n: number, avoid: readonly number[] = []): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const base = await freePort();
    const ports = Array.from({ length: n }, (_, i) => base + i);
    if (ports.some((p) => p > 65535 || avoid.includes(p))) continue;
    if ((await Promise.all(ports.map(bindable))).every(Boolean)) return base;
  }
  throw new Error(`no ${n} consecutive free ports found`);
}
