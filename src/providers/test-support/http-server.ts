// Loopback HTTP servers for provider tests (not a test file itself): a canned server standing in
// for a provider's API, and a receiver standing in for the hub's webhooks. Shared so every
// provider's tests record requests and answer the same way.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before } from 'node:test';
import { Agent } from 'undici';

/** A request as the server read it. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** Answers a request; `n` counts the requests recorded so far, this one included. */
export type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

/** What to do with each request once its body was read. */
export type Dispatch = (recorded: RecordedRequest, req: IncomingMessage, res: ServerResponse) => void;

/**
 * A provider API stand-in: records every request in `requests` and answers with `handler`,
 * which tests swap per case. `dispatch` replaces that default, e.g. to route by path.
 */
export class CannedServer {
  readonly requests: RecordedRequest[] = [];
  handler: Handler = (_req, res) => res.end();
  private server: Server | undefined;
  private base = '';

  constructor(private readonly dispatch?: Dispatch) {}

  /** http://127.0.0.1:PORT once started. */
  get baseUrl(): string {
    return this.base;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      readBody(req, (body) => {
        const recorded = { method: req.method!, url: req.url!, headers: req.headers, body: body.toString() };
        if (this.dispatch) return this.dispatch(recorded, req, res);
        this.requests.push(recorded);
        this.handler(req, res, this.requests.length);
      });
    });
    this.server = server;
    this.base = await listenLoopback(server);
  }

  /** Drops requests held open (by a handler that never answers). */
  closeAllConnections(): void {
    this.server?.closeAllConnections();
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** A CannedServer and an undici Agent for the calling test file: started before its tests, closed after. */
export function cannedServerForFile(dispatch?: Dispatch): { server: CannedServer; agent: Agent } {
  const server = new CannedServer(dispatch);
  const agent = new Agent();
  before(() => server.start());
  after(async () => {
    await server.close();
    await agent.close();
  });
  return { server, agent };
}

/** A list of cleanups the calling test file fills; they run, newest first, after its tests. */
export function cleanupsAfterAll(): (() => Promise<void>)[] {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  return cleanups;
}

/** A handler answering `status` with `body`: JSON when it looks like an object, else plain text. */
export function answer(status: number, body = '', headers: Record<string, string> = {}): Handler {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': body.startsWith('{') ? 'application/json' : 'text/plain', ...headers });
    res.end(body);
  };
}

/** The URL of a loopback port nothing listens on: connecting is refused. */
export async function refusingUrl(): Promise<string> {
  const closed = createServer();
  const url = await listenLoopback(closed);
  await new Promise((resolve) => closed.close(resolve));
  return url;
}

/** A callback as a receiver got it. */
export interface ReceivedCall {
  /** Path and query. */
  path: string;
  headers: IncomingHttpHeaders;
  raw: Buffer;
  /** Date.now() when it arrived. */
  at: number;
}

export interface CallbackReceiver<E> {
  /** http://127.0.0.1:PORT */
  base: string;
  /** `base` plus the path the receiver was started with. */
  url: string;
  received: E[];
  /** Chooses the status for the n-th request (0-based); 200 by default. */
  respond: (n: number, entry: E) => number;
  close(): Promise<void>;
}

export interface ReceiverOptions<E> {
  /** Appended to `base` to make `url` ('' by default). */
  path?: string;
  respond?: (n: number, entry: E) => number;
  /** The answer's Content-Type and body (none by default). */
  contentType?: string;
  body?: string;
}

/** The hub's webhooks stand-in: keeps each callback as `toEntry` makes it, answers as `respond` says. */
export async function startCallbackReceiver<E>(
  toEntry: (call: ReceivedCall, base: string) => E,
  options: ReceiverOptions<E> = {},
): Promise<CallbackReceiver<E>> {
  const receiver: CallbackReceiver<E> = { base: '', url: '', received: [], respond: options.respond ?? (() => 200), close: async () => {} };
  const server = createServer((req, res) => {
    readBody(req, (raw) => {
      const entry = toEntry({ path: req.url ?? '', headers: req.headers, raw, at: Date.now() }, receiver.base);
      const status = receiver.respond(receiver.received.length, entry);
      receiver.received.push(entry);
      res.writeHead(status, options.contentType ? { 'content-type': options.contentType } : {}).end(options.body);
    });
  });
  receiver.base = await listenLoopback(server);
  receiver.url = `${receiver.base}${options.path ?? ''}`;
  receiver.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return receiver;
}

function readBody(req: IncomingMessage, then: (body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => then(Buffer.concat(chunks)));
}

async function listenLoopback(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
