// The Sinch SMS sandbox in its own process, plus a small control server for the bench:
// GET /arrivals?plan=ID&since=MS lists the batches the sandbox accepted (arrival time in ms,
// parts), so rate limits are checked where the provider would count them. GET /callbacks?since=N
// lists delivery-report attempts and their answers, GET /references the batches per client_reference
// (the torture harness's ledgers), GET /idle?timeoutMs=N whether the sandbox has nothing left to
// send within N ms, GET /stats the totals.
// Environment: SANDBOX_PORT, SANDBOX_OPTIONS (JSON of SinchSmsSandboxOptions).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSinchSmsSandbox, type SinchSmsSandboxOptions } from '../src/sandboxes/sinch-sms/server.js';

const options = JSON.parse(process.env.SANDBOX_OPTIONS ?? '{}') as SinchSmsSandboxOptions;
const sandbox = createSinchSmsSandbox({ ...options, servicePlans: options.servicePlans ?? [{ id: 'bench', token: 'bench-token' }] });
const url = await sandbox.listen(Number(process.env.SANDBOX_PORT ?? 0), '127.0.0.1');

const text = (v: unknown) => (typeof v === 'string' ? v : '');

const control = createServer((req, res) => {
  const u = new URL(req.url ?? '/', 'http://control');
  if (u.pathname === '/arrivals') {
    const plan = u.searchParams.get('plan');
    const since = Number(u.searchParams.get('since') ?? 0);
    const out: [number, number][] = [];
    for (const b of sandbox.batches) {
      if (plan && b.servicePlanId !== plan) continue;
      const at = Date.parse(b.batch.created_at);
      if (at < since) continue;
      out.push([at, b.recipients.reduce((n, r) => n + r.parts, 0)]);
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(out));
    return;
  }
  if (u.pathname === '/callbacks') {
    // Delivery-report attempts from index `since` on: [index, client_reference, report status, HTTP status or null].
    const since = Number(u.searchParams.get('since') ?? 0);
    const out: [number, string, string, number | null][] = [];
    sandbox.callbacks.forEach((c, i) => {
      if (i < since || c.kind !== 'recipient_delivery_report') return;
      out.push([i, text(c.payload.client_reference), text(c.payload.status), c.status]);
    });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ next: sandbox.callbacks.length, callbacks: out }));
    return;
  }
  if (u.pathname === '/references') {
    // How many batches the sandbox accepted per client_reference.
    const counts: Record<string, number> = {};
    for (const b of sandbox.batches) {
      const ref = b.batch.client_reference;
      if (ref) counts[ref] = (counts[ref] ?? 0) + 1;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(counts));
    return;
  }
  if (u.pathname === '/idle') {
    // Whether nothing is scheduled or in flight (reports, their retries) within timeoutMs.
    const timeoutMs = Number(u.searchParams.get('timeoutMs') ?? 1000);
    let timer: NodeJS.Timeout | undefined;
    void Promise.race([
      sandbox.idle().then(() => true),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs))),
    ]).then((idle) => {
      clearTimeout(timer);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ idle }));
    });
    return;
  }
  if (u.pathname === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ batches: sandbox.batches.length, callbacks: sandbox.callbacks.length, requests: sandbox.requests.length }));
    return;
  }
  res.writeHead(404).end();
});
await new Promise<void>((r) => control.listen(0, '127.0.0.1', r));
const controlUrl = `http://127.0.0.1:${(control.address() as AddressInfo).port}`;
process.stdout.write(`BENCH_READY ${JSON.stringify({ url, controlUrl, pid: process.pid })}\n`);

const shutdown = async () => {
  control.close();
  await sandbox.close();
  process.exit(0);
};
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
