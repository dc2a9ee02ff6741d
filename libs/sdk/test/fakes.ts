import type { Clock } from '../src/clock';
import type { FetchLike } from '../src/http';
import type { SocketFactory, SocketLike, SocketOptions } from '../src/socket';
import type { Message } from '../src/types';

/** Lets every promise callback queued so far run (and those they queue). */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Time that moves only when a test says so. */
export class FakeClock implements Clock {
  private t = 1_767_225_600_000; // 2026-01-01T00:00:00Z
  private seq = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** When the next timer falls due, if any. */
  nextAt(): number | undefined {
    const ats = [...this.timers.values()].map((t) => t.at);
    return ats.length === 0 ? undefined : Math.min(...ats);
  }

  /** Moves time forward, running each timer that falls due (in order) and what it sets off. */
  async advance(ms: number): Promise<void> {
    const until = this.t + ms;
    await settle();
    for (;;) {
      const due = [...this.timers.entries()]
        .filter(([, t]) => t.at <= until)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.t = due[1].at;
      due[1].fn();
      await settle();
    }
    this.t = until;
    await settle();
  }
}

export interface FakeRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
}

export interface FakeReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A scripted server: each request goes to `handle`; a thrown error is a network failure. */
export function fakeFetch(handle: (req: FakeRequest) => FakeReply | Promise<FakeReply>): {
  fetch: FetchLike;
  requests: FakeRequest[];
} {
  const requests: FakeRequest[] = [];
  const fetch: FetchLike = async (input, init) => {
    const url = new URL(input);
    const req: FakeRequest = {
      method: init.method,
      path: url.pathname + url.search,
      headers: init.headers,
      body: init.body === undefined ? undefined : JSON.parse(init.body),
    };
    requests.push(req);
    const reply = await handle(req);
    const headers = new Map(Object.entries(reply.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    return {
      status: reply.status,
      ok: reply.status >= 200 && reply.status < 300,
      headers: { get: (name: string) => headers.get(name.toLowerCase()) ?? null },
      text: async () => (reply.body === undefined ? '' : JSON.stringify(reply.body)),
    };
  };
  return { fetch, requests };
}

/** A socket the test drives: connect, drop, and emit server events. */
export class FakeSocket implements SocketLike {
  connected = false;
  active = true;
  connects = 0;
  private readonly listeners = new Map<string, ((...args: never[]) => void)[]>();

  constructor(
    readonly url: string,
    readonly options: SocketOptions,
  ) {}

  on(event: string, listener: (...args: never[]) => void): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }

  connect(): this {
    this.connects += 1;
    return this;
  }

  disconnect(): this {
    this.connected = false;
    this.active = false;
    return this;
  }

  /** The token the client would hand the handshake now. */
  handshakeToken(): Promise<string> {
    return new Promise((resolve) => this.options.auth((data) => resolve(data.token)));
  }

  fire(event: string, ...args: unknown[]): void {
    for (const listener of this.listeners.get(event) ?? []) (listener as (...a: unknown[]) => void)(...args);
  }

  serverConnects(): void {
    this.connected = true;
    this.active = true;
    this.fire('connect');
  }

  drops(reason = 'transport close'): void {
    this.connected = false;
    this.fire('disconnect', reason);
  }
}

export function fakeSockets(): { factory: SocketFactory; sockets: FakeSocket[] } {
  const sockets: FakeSocket[] = [];
  return {
    sockets,
    factory: (url, options) => {
      const socket = new FakeSocket(url, options);
      sockets.push(socket);
      return socket;
    },
  };
}

let n = 0;
/** A contract message; ids sortable by creation so tests read easily. */
export function message(
  conversationId: string,
  text: string,
  author: Message['author']['type'] = 'agent',
): Message {
  n += 1;
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    conversationId,
    author: { type: author, id: '11111111-1111-4111-8111-111111111111' },
    text,
    createdAt: new Date(1_767_225_600_000 + n).toISOString(),
  };
}

/** An unsigned JWT with these claims (the SDK only reads them). */
export function jwt(claims: Record<string, unknown>): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}.signature`;
}
