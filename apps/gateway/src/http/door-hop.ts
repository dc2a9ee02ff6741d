import { EventEmitter } from 'node:events';
import {
  IncomingMessage,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type Server,
  ServerResponse,
} from 'node:http';

/**
 * The door thread's hop for the visitor messages it admits (http/door-thread.ts): the thread has
 * parsed the request and read its body, and hands them over as a message; this thread serves them
 * through its HTTP server's own `request` listeners (the door, Socket.IO's engine, Express) on a
 * request and a response that live in memory, and hands the answer back the same way. Over HTTP on a
 * Unix socket the same hop parsed and wrote each request and answer twice, with a system call or
 * more each way on this thread, whose loop is the gateway's busiest (bench/results/*session39*).
 */

/** A request as the door thread hands it over: its headers are those the app would have received. */
export interface HopRequest {
  id: number;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Uint8Array;
}

/** The app's answer, whole; status 0: cut short (the app destroyed the response, or threw). */
export interface HopAnswer {
  id: number;
  status: number;
  statusMessage: string;
  headers: OutgoingHttpHeaders;
  body: Uint8Array;
}

/**
 * Serves one handed-over request through `server`'s request listeners; `answer` is called once, when
 * the app ends its response, or destroys it (status 0, as a connection reset would tell).
 */
export function serveHopped(server: Server, request: HopRequest, answer: (a: HopAnswer) => void): void {
  const socket = new HopSocket();
  const req = new IncomingMessage(socket as never);
  req.method = request.method;
  req.url = request.url;
  req.httpVersionMajor = 1;
  req.httpVersionMinor = 1;
  req.httpVersion = '1.1';
  req.headers = request.headers;
  req.rawHeaders = rawHeadersOf(request.headers);
  if (request.body.byteLength > 0) {
    req.push(Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength));
  }
  req.push(null);
  req.complete = true;
  const res = keptResponse(req, socket, (r, body) =>
    answer(
      body === null
        ? { id: request.id, status: 0, statusMessage: '', headers: {}, body: new Uint8Array() }
        : {
            id: request.id,
            status: r.statusCode,
            statusMessage: r.statusMessage,
            headers: r.getHeaders(),
            body,
          },
    ),
  );
  res.assignSocket(socket as never);
  try {
    server.emit('request', req, res);
  } catch (err) {
    // What a throw in a request listener does to a real connection: it is gone, the client told so.
    res.destroy();
    throw err;
  }
}

/**
 * `chunks` joined into a buffer of its own, exactly its size, at most `limit` bytes, in one copy: a
 * body that can be moved to the other thread, where a pooled Buffer (`Buffer.concat`'s, a small
 * chunk's) would be copied with its whole pool.
 */
export function ownBytes(chunks: readonly Uint8Array[], limit = Infinity): Uint8Array {
  let size = 0;
  for (const chunk of chunks) size += chunk.length;
  const bytes = new Uint8Array(Math.min(size, limit));
  let at = 0;
  for (const chunk of chunks) {
    if (at === bytes.length) break;
    const part = chunk.subarray(0, bytes.length - at);
    bytes.set(part, at);
    at += part.length;
  }
  return bytes;
}

function rawHeadersOf(headers: IncomingHttpHeaders): string[] {
  const raw: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) raw.push(name, v);
    else raw.push(name, value);
  }
  return raw;
}

/**
 * What the request and response take for their connection: nothing comes from it (the body is pushed
 * whole), and what the response writes is dropped (the answer is taken from the response itself).
 * A Unix socket's peer has no address: the app trusts this first hop (TRUST_PROXY, behindDoorThread)
 * and reads the client's from X-Forwarded-For, as it did over HTTP.
 */
class HopSocket extends EventEmitter {
  readonly remoteAddress = undefined;
  readonly encrypted = false;
  /** Read on: `on-finished` (the body parser's) takes a request on a socket that is not as read whole. */
  readonly readable = true;
  writable = true;
  destroyed = false;
  _httpMessage: unknown = null;
  /** Nothing is ever buffered here (ServerResponse's writableFinished asks). */
  readonly writableLength = 0;
  /** What Node's response uncorks at its end. */
  readonly _writableState = { corked: 0 };

  write(_data: unknown, encoding?: unknown, callback?: () => void): boolean {
    const done = typeof encoding === 'function' ? (encoding as () => void) : callback;
    if (done) process.nextTick(done);
    return true;
  }

  end(): this {
    this.writable = false;
    return this;
  }

  destroy(): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    this.writable = false;
    process.nextTick(() => this.emit('close', false));
    return this;
  }

  resume(): this {
    return this;
  }
  pause(): this {
    return this;
  }
  cork(): void {}
  uncork(): void {}
  setTimeout(): this {
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
}

type Chunk = string | Uint8Array;
type Callback = (err?: Error | null) => void;
type Headers = OutgoingHttpHeaders | OutgoingHttpHeaders[keyof OutgoingHttpHeaders][];
const nodeWriteHead = ServerResponse.prototype.writeHead as (
  this: ServerResponse,
  statusCode: number,
  statusMessage?: string,
) => ServerResponse;
const nodeEnd = ServerResponse.prototype.end as (
  this: ServerResponse,
  callback?: () => void,
) => ServerResponse;

/**
 * A response whose head and body are kept rather than framed: `writeHead`'s headers join those set
 * before (Node would write them straight into the head), the body's chunks are collected, and once it
 * ends the whole answer is handed on (a body of its own, exactly its size: a pooled Buffer would be
 * copied to the thread with its whole pool); destroyed before that, null is. Node's own state
 * (headersSent, finished, `finish`, then `close` once, the socket detached) runs as on a socket. Its
 * own methods, not a subclass's: Express sets the prototype of every response it serves to its own
 * (`app.response`, whose prototype is ServerResponse's).
 */
function keptResponse(
  req: IncomingMessage,
  socket: HopSocket,
  onEnd: (res: ServerResponse, body: Uint8Array | null) => void,
): ServerResponse {
  const res = new ServerResponse(req) as ServerResponse & { _closed?: boolean };
  const chunks: Buffer[] = [];
  const keep = (chunk: Chunk, encoding?: BufferEncoding) => {
    if (typeof chunk === 'string') chunks.push(Buffer.from(chunk, encoding));
    else if (chunk.byteLength > 0) chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  };
  let answered = false;
  res.writeHead = function (
    this: ServerResponse,
    statusCode: number,
    reason?: string | Headers,
    headers?: Headers,
  ) {
    const message = typeof reason === 'string' ? reason : undefined;
    const given = typeof reason === 'string' ? headers : reason;
    if (Array.isArray(given)) {
      // Node's two forms: [name, value, name, value…] and [[name, value]…]; a repeated name adds a value.
      const pairs: unknown[][] = Array.isArray(given[0])
        ? (given as unknown as unknown[][])
        : Array.from({ length: Math.floor(given.length / 2) }, (_, i) => [given[2 * i], given[2 * i + 1]]);
      for (const [name, value] of pairs) this.appendHeader(String(name), value as string);
    } else if (given) {
      for (const [name, value] of Object.entries(given)) if (value !== undefined) this.setHeader(name, value);
    }
    return nodeWriteHead.call(this, statusCode, message);
  } as unknown as ServerResponse['writeHead'];
  res.write = function (
    this: ServerResponse,
    chunk: Chunk,
    encoding?: BufferEncoding | Callback,
    callback?: Callback,
  ) {
    const done = typeof encoding === 'function' ? encoding : callback;
    if (!this.headersSent) this.writeHead(this.statusCode);
    keep(chunk, typeof encoding === 'string' ? encoding : undefined);
    if (done) process.nextTick(done);
    return true;
  } as unknown as ServerResponse['write'];
  res.end = function (
    this: ServerResponse,
    chunk?: Chunk | (() => void),
    encoding?: BufferEncoding | (() => void),
    callback?: () => void,
  ) {
    const done = [chunk, encoding, callback].find((a) => typeof a === 'function') as (() => void) | undefined;
    const data = typeof chunk === 'function' ? undefined : chunk;
    if (data !== undefined && data !== null) keep(data, typeof encoding === 'string' ? encoding : undefined);
    nodeEnd.call(this, done);
    if (!answered) {
      answered = true;
      onEnd(res, ownBytes(chunks));
    }
    return this;
  } as unknown as ServerResponse['end'];
  // As Node's server does once a response is written out: the socket let go, then `close`, once.
  res.once('finish', () => {
    res.detachSocket(socket as never);
    process.nextTick(() => {
      if (res._closed) return;
      res.destroyed = true;
      res._closed = true;
      res.emit('close');
    });
  });
  // Destroyed before it ended (the socket's close reaches the response while it is attached).
  res.once('close', () => {
    if (answered) return;
    answered = true;
    onEnd(res, null);
  });
  return res;
}
