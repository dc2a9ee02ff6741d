import net from 'node:net';
import { bodyOf, type JsonResponse } from './http';

/**
 * A lean HTTP/1.1 keep-alive client for the load generator's hot path (one `POST` per visitor
 * message). It shares the two cores with the system it measures, and Node's `http.request` with an
 * `Agent` cost 85–120 µs of CPU per request against 26–34 µs for this one (`npm run
 * bench:http-client-cost`; issue 7's note, session 26): every microsecond the generator spends is
 * one the gateway, the services, Kafka and PostgreSQL do not get.
 *
 * It writes each request as one string on a pooled socket and reads the answer's status line,
 * headers and `Content-Length` (or chunked) body, nothing more: what load generators such as wrk and
 * autocannon do. One request per connection at a time (no pipelining). Idle connections are reused
 * last-in first-out, like Node's agent, and dropped a second before the server's `Keep-Alive:
 * timeout` would close them (a request is never written on a socket the server is closing). Beyond
 * `maxSockets`, requests wait in order, and that wait counts in their time (`onWire` tells when one
 * leaves it, with its socket).
 */
export class LeanHttpClient {
  private readonly all = new Set<Connection>();
  private readonly idle: Connection[] = [];
  private readonly queue: Job[] = [];
  private closed = false;
  private opened = 0;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly maxSockets: number,
  ) {}

  request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    token?: string,
    timeoutMs = 30_000,
    onWire?: (socket: net.Socket) => void,
    extraHeaders: Record<string, string> = {},
  ): Promise<JsonResponse<T>> {
    if (this.closed) return Promise.reject(new Error('the client is closed'));
    const payload = body === undefined ? '' : JSON.stringify(body);
    let head =
      `${method} ${path} HTTP/1.1\r\nHost: ${this.host}:${this.port}\r\nAccept: application/json\r\n` +
      `Connection: keep-alive\r\n`;
    if (token) head += `Authorization: Bearer ${token}\r\n`;
    for (const [name, value] of Object.entries(extraHeaders)) head += `${name}: ${value}\r\n`;
    if (body !== undefined) {
      head += `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(payload)}\r\n`;
    }
    return new Promise<JsonResponse<T>>((resolve, reject) => {
      const job: Job = {
        text: `${head}\r\n${payload}`,
        timeoutMs,
        onWire,
        resolve: resolve as (r: JsonResponse) => void,
        reject,
      };
      const c = this.takeIdle() ?? (this.all.size < this.maxSockets ? this.connect() : null);
      if (c) c.start(job);
      else this.queue.push(job);
    });
  }

  /** Connections this client has opened so far, and how many are open now. */
  connections(): { opened: number; open: number } {
    return { opened: this.opened, open: this.all.size };
  }

  /**
   * Opens keep-alive connections and leaves them idle, as a load balancer's pool to the server holds
   * them: `n` requests at once to a route that does nothing, each on an idle connection or a new one
   * (their answers set how long each may stay idle: the server's `Keep-Alive`). Resolves with how many
   * were answered 200, and what the others got (an answer's status, or an error); a failure does not
   * reject.
   */
  async warm(n: number, path = '/health/live'): Promise<Warmed> {
    const answers = await Promise.allSettled(Array.from({ length: n }, () => this.request('GET', path)));
    const warmed: Warmed = { open: 0, failed: {} };
    for (const a of answers) {
      if (a.status === 'fulfilled' && a.value.status === 200) warmed.open++;
      else {
        const what = a.status === 'fulfilled' ? String(a.value.status) : (a.reason as Error).message;
        warmed.failed[what] = (warmed.failed[what] ?? 0) + 1;
      }
    }
    return warmed;
  }

  close(): void {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('the client is closed'));
    this.idle.length = 0;
    for (const c of this.all) c.destroy(); // a request still on one fails ('socket closed')
  }

  /** The idle connection used last, after dropping any the server may be about to close. */
  private takeIdle(): Connection | undefined {
    const now = performance.now();
    for (let c = this.idle.pop(); c; c = this.idle.pop()) {
      if (!c.expired(now)) return c;
      c.destroy();
    }
    return undefined;
  }

  private connect(): Connection {
    this.opened++;
    const connection = new Connection(this.host, this.port, {
      free: (c) => {
        const next = this.queue.shift();
        if (next) c.start(next);
        else if (this.closed) c.destroy();
        else this.idle.push(c);
      },
      gone: (c) => {
        this.all.delete(c);
        const i = this.idle.indexOf(c);
        if (i >= 0) this.idle.splice(i, 1);
        // A request waiting for a socket gets a new one in place of the one that closed.
        const next = this.closed ? undefined : this.queue.shift();
        if (next) this.connect().start(next);
      },
    });
    this.all.add(connection);
    return connection;
  }
}

/** What `LeanHttpClient.warm` got: answered 200 (a connection left open), and the others. */
export interface Warmed {
  open: number;
  /** How many of the others got each answer or error. */
  failed: { [what: string]: number };
}

/** What the requests that were not answered 200 got, for a report: "3× 503, 1× socket closed". */
export function warmFailures(w: Warmed): string {
  return Object.entries(w.failed)
    .map(([what, n]) => `${n}× ${what}`)
    .join(', ');
}

interface Job {
  text: string;
  timeoutMs: number;
  /** When the request leaves the queue for a socket (perhaps still connecting). */
  onWire?: (socket: net.Socket) => void;
  resolve: (r: JsonResponse) => void;
  reject: (err: Error) => void;
}

interface Pool {
  free(c: Connection): void;
  gone(c: Connection): void;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** One keep-alive connection: one request at a time, its answer parsed as it arrives. */
class Connection {
  private readonly socket: net.Socket;
  private job: Job | null = null;
  private timer: NodeJS.Timeout | null = null;
  private buffered: Buffer = Buffer.alloc(0);
  private dead = false;
  /** The pool heard that this connection is gone (once). */
  private reported = false;
  /** When its last answer arrived, and how long the server keeps it open idle (its `Keep-Alive`). */
  private idleSince = 0;
  private keepAliveMs = DEFAULT_KEEP_ALIVE_MS;

  constructor(
    host: string,
    port: number,
    private readonly pool: Pool,
  ) {
    this.socket = net.connect({ host, port, noDelay: true });
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (err) => this.fail(err));
    this.socket.on('close', () => this.fail(new Error('socket closed')));
    // The server closed its side (an idle timeout): nothing more can be sent on it.
    this.socket.on('end', () => this.fail(new Error('closed by the server')));
  }

  /** Idle for so long that the server may close it within a second. */
  expired(now: number): boolean {
    return now - this.idleSince > this.keepAliveMs - 1000;
  }

  start(job: Job): void {
    this.job = job;
    this.buffered = Buffer.alloc(0);
    this.timer = setTimeout(() => this.fail(new Error(`no answer in ${job.timeoutMs} ms`)), job.timeoutMs);
    job.onWire?.(this.socket);
    this.socket.write(job.text);
  }

  destroy(): void {
    this.dead = true;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (!this.job) return this.fail(new Error('data with no request waiting'));
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    let parsed: ReturnType<typeof parseResponse>;
    try {
      parsed = parseResponse(this.buffered);
    } catch (err) {
      return this.fail(err as Error);
    }
    if (!parsed) return;
    // One request at a time: anything after its answer means the framing went wrong.
    if (parsed.consumed !== this.buffered.length) {
      return this.fail(new Error(`${this.buffered.length - parsed.consumed} byte(s) after the answer`));
    }
    const job = this.job;
    this.job = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.buffered = Buffer.alloc(0);
    this.idleSince = performance.now();
    this.keepAliveMs = parsed.keepAliveMs ?? this.keepAliveMs;
    job.resolve(parsed.response);
    if (parsed.close) this.destroy();
    else this.pool.free(this);
  }

  private fail(err: Error): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const job = this.job;
    this.job = null;
    if (!this.dead) {
      this.dead = true;
      this.socket.destroy();
    }
    if (job) job.reject(err);
    if (!this.reported) {
      this.reported = true;
      this.pool.gone(this);
    }
  }
}

/** What a server that says nothing keeps an idle connection open for (Node's default). */
const DEFAULT_KEEP_ALIVE_MS = 5000;

export interface ParsedResponse {
  response: JsonResponse;
  /** Bytes of `data` the answer took. */
  consumed: number;
  /** The server closes the connection after this answer. */
  close: boolean;
  /** The server's `Keep-Alive: timeout=N`, in ms. */
  keepAliveMs?: number;
}

/**
 * A whole answer to a request other than HEAD at the start of `data`, or null while it is still
 * arriving. Throws on what this client does not read: a body delimited by closing the connection, a
 * bad length, a 1xx.
 */
export function parseResponse(data: Buffer): ParsedResponse | null {
  const end = data.indexOf(HEADER_END);
  if (end === -1) return null;
  const lines = data.toString('latin1', 0, end).split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0])?.[1];
  if (!status) throw new Error(`not an HTTP/1.1 status line: ${lines[0].slice(0, 40)}`);
  const code = Number(status);
  if (code < 200) throw new Error(`a ${code} answer: not read by this client`);
  const headers: Record<string, string> = {};
  for (let i = 1; i < lines.length; i++) {
    const colon = lines[i].indexOf(':');
    if (colon > 0) headers[lines[i].slice(0, colon).toLowerCase()] = lines[i].slice(colon + 1).trim();
  }
  const start = end + HEADER_END.length;
  let body: Buffer;
  let consumed: number;
  if (code === 204 || code === 304) {
    [body, consumed] = [Buffer.alloc(0), start];
  } else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const chunks = dechunk(data, start);
    if (!chunks) return null;
    [body, consumed] = chunks;
  } else if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length']);
    if (!Number.isInteger(length) || length < 0) {
      throw new Error(`bad Content-Length: ${headers['content-length']}`);
    }
    if (data.length < start + length) return null;
    [body, consumed] = [data.subarray(start, start + length), start + length];
  } else {
    throw new Error('a body delimited by closing the connection: not read by this client');
  }
  const timeout = /timeout=(\d+)/i.exec(headers['keep-alive'] ?? '')?.[1];
  return {
    response: { status: code, body: bodyOf(body, headers['content-type']), headers },
    consumed,
    close: /close/i.test(headers.connection ?? ''),
    ...(timeout ? { keepAliveMs: Number(timeout) * 1000 } : {}),
  };
}

/** A chunked body from `at` and where it ends (after its trailers), or null while it is arriving. */
function dechunk(data: Buffer, at: number): [Buffer, number] | null {
  const parts: Buffer[] = [];
  let i = at;
  for (;;) {
    const eol = data.indexOf('\r\n', i);
    if (eol === -1) return null;
    const size = parseInt(data.toString('latin1', i, eol), 16);
    if (Number.isNaN(size)) throw new Error('bad chunk size');
    if (size === 0) {
      // The last chunk, then trailer lines, then an empty line.
      const trailersEnd =
        data.indexOf('\r\n', eol + 2) === eol + 2 ? eol + 4 : data.indexOf(HEADER_END, eol) + 4;
      return trailersEnd < 4 || trailersEnd > data.length ? null : [Buffer.concat(parts), trailersEnd];
    }
    if (data.length < eol + 2 + size + 2) return null;
    parts.push(data.subarray(eol + 2, eol + 2 + size));
    i = eol + 2 + size + 2;
  }
}
