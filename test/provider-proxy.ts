// A proxy between the hub and a provider's sandbox that misbehaves as a slow or stuck provider
// would: it can hold sends before forwarding them, answer them late, or swallow them.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { request } from 'undici';

export class ProviderProxy {
  /** After forwarding a POST, wait this long before answering it (the provider took it; the answer is late). */
  answerDelayMs = 0;
  /** Requests to leave unforwarded and unanswered (held open until the hub gives up) before forwarding again. */
  drop = 0;
  /** Hold each POST before forwarding it, until `releaseAll`. */
  holdPosts = false;
  /** Requests forwarded to the provider so far. */
  forwarded = 0;
  readonly #held: (() => void)[] = [];
  readonly #server: Server;

  constructor(private readonly target: string) {
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  /** How many POSTs are held now. */
  get held(): number {
    return this.#held.length;
  }

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.#server.listen(0, '127.0.0.1', r));
    const addr = this.#server.address();
    return `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  }

  releaseAll(): void {
    for (const r of this.#held.splice(0)) r();
  }

  async close(): Promise<void> {
    this.releaseAll();
    this.#server.closeAllConnections();
    await new Promise((r) => this.#server.close(r));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (this.drop > 0) {
      this.drop--;
      return;
    }
    const post = req.method === 'POST';
    if (post && this.holdPosts) await new Promise<void>((r) => this.#held.push(r));
    this.forwarded++;
    const answer = await request(this.target + req.url, {
      method: req.method as 'GET' | 'POST',
      headers: { authorization: req.headers.authorization ?? '', 'content-type': req.headers['content-type'] ?? 'application/json' },
      body: chunks.length ? Buffer.concat(chunks) : undefined,
    });
    const body = await answer.body.text();
    setTimeout(() => {
      if (!res.destroyed) res.writeHead(answer.statusCode, { 'content-type': 'application/json' }).end(body);
    }, post ? this.answerDelayMs : 0);
  }
}
