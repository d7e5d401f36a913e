// A small client for the hub's API (setup and checks, never the measured load).
import { Agent, request } from 'undici';

export class Api {
  readonly #agent = new Agent({ connections: 64, keepAliveTimeout: 10_000 });

  constructor(
    readonly baseUrl: string,
    readonly token: string,
  ) {}

  async call<T = any>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown, timeoutMs = 120_000): Promise<{ status: number; body: T }> {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const res = await request(this.baseUrl + path, {
      dispatcher: this.#agent,
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: payload,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const text = await res.body.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* keep the text */
    }
    return { status: res.statusCode, body: parsed as T };
  }

  /** Calls and throws unless the status is one of `expect`. */
  async must<T = any>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body: unknown, expect: number[], timeoutMs?: number): Promise<T> {
    const res = await this.call<T>(method, path, body, timeoutMs);
    if (!expect.includes(res.status)) {
      throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 500)}`);
    }
    return res.body;
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}
