// A misbehaving network between the hub and a provider sandbox, in the torture process. Each send
// (POST) is handled by the proxy's fault for its message (keyed by the batch's client_reference,
// our message id); every other request (batch lookups) is forwarded untouched. Faults:
//   slow    forward, answer only after `delayMs` (longer than the integration's send timeout)
//   hang    on the first `times` sends, forward nothing and never answer
//   drop    on the first `times` sends, forward, then destroy the connection without answering
//   status  on the first `times` sends, answer `status` (500, 429…) without forwarding
//   echo    answer `status` with the request's Authorization header and body in the error text
// `posts` counts the sends seen per message, `forwarded` those that reached the sandbox.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';

export type Fault =
  | { kind: 'none' }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'hang'; times: number }
  | { kind: 'drop'; times: number }
  | { kind: 'status'; status: number; times: number }
  | { kind: 'echo'; status: number };

export class FaultProxy {
  fault: Fault = { kind: 'none' };
  readonly posts = new Map<string, number>();
  readonly forwarded = new Map<string, number>();
  requests = 0;
  readonly #server: Server;
  #url = '';

  constructor(readonly target: string) {
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch(() => res.destroy());
    });
  }

  get url(): string {
    return this.#url;
  }

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.#server.listen(0, '127.0.0.1', r));
    this.#url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this.#url;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise((r) => this.#server.close(r));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests++;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    if (req.method !== 'POST') return this.#forward(req, body, res);
    let ref = '';
    try {
      const r = (JSON.parse(body.toString('utf8')) as { client_reference?: unknown }).client_reference;
      ref = typeof r === 'string' ? r : '';
    } catch {
      /* not JSON: no reference */
    }
    const n = (this.posts.get(ref) ?? 0) + 1;
    this.posts.set(ref, n);
    const f = this.fault;
    switch (f.kind) {
      case 'slow':
        return this.#forward(req, body, res, ref, f.delayMs);
      case 'hang':
        if (n <= f.times) return; // held open, never answered, never forwarded
        return this.#forward(req, body, res, ref);
      case 'drop':
        if (n <= f.times) {
          await this.#send(req, body, ref);
          res.socket?.destroy();
          return;
        }
        return this.#forward(req, body, res, ref);
      case 'status':
        if (n <= f.times) {
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (f.status === 429) headers['retry-after'] = '1';
          res.writeHead(f.status, headers).end(JSON.stringify({ code: f.status === 429 ? 'too_many_requests' : 'internal_error', text: `Injected ${f.status}` }));
          return;
        }
        return this.#forward(req, body, res, ref);
      case 'echo':
        res
          .writeHead(f.status, { 'content-type': 'application/json' })
          .end(JSON.stringify({ code: f.status >= 500 ? 'internal_error' : 'syntax_constraint_violation', text: `Rejected request with Authorization: ${req.headers.authorization ?? ''}; body was ${body.toString('utf8')}` }));
        return;
      default:
        return this.#forward(req, body, res, ref);
    }
  }

  async #send(req: IncomingMessage, body: Buffer, ref?: string): Promise<{ status: number; headers: Record<string, string>; text: string }> {
    if (ref !== undefined) this.forwarded.set(ref, (this.forwarded.get(ref) ?? 0) + 1);
    const answer = await request(this.target + (req.url ?? '/'), {
      method: req.method as 'GET' | 'POST',
      headers: { authorization: req.headers.authorization ?? '', 'content-type': req.headers['content-type'] ?? 'application/json' },
      body: body.length ? body : undefined,
    });
    const text = await answer.body.text();
    const headers: Record<string, string> = { 'content-type': String(answer.headers['content-type'] ?? 'application/json') };
    return { status: answer.statusCode, headers, text };
  }

  async #forward(req: IncomingMessage, body: Buffer, res: ServerResponse, ref?: string, delayMs = 0): Promise<void> {
    const answer = await this.#send(req, body, ref);
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    if (res.destroyed) return;
    res.writeHead(answer.status, answer.headers).end(answer.text);
  }
}
