import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import net from 'node:net';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { isRetry } from './attempt';
import { DoorHealth } from './door-health';
import { type HopRequest, ownBytes, type HopAnswer } from './door-hop';
import { unpackDoorView, unpackRetryView } from './door-state';
import type {
  DoorData,
  DoorPriority,
  DoorRefusals,
  DoorThreadOptions,
  MainMessage,
  ThreadMessage,
} from './door-thread';
import { listenOnSockets } from './listen';
import {
  CLIENT_CLAIMS,
  DOOR_ADMITTED_HEADER,
  errorAnswer,
  NOT_FROM_CLIENTS,
  NOT_TO_CLIENTS,
  passedOn,
  pathOf,
  pipeAnswer,
} from './thread-http';
import {
  niceRefused,
  setThreadFifo,
  setThreadNice,
  THREAD_NICE_SUPPORTED,
  threadId,
  threadNice,
} from './thread-nice';

/**
 * The door thread itself (http/door-thread.ts starts it and is its main thread's side): it listens on
 * the public port, refuses visitor messages while the main thread's door is shut or its own count of
 * them is at the bound, hands the others on whole (the Hop below), and pipes every other request and
 * upgrade to the main thread's HTTP server on a private Unix socket.
 */

/** The route the thread refuses while the door is shut: the one that carries the load. */
const SHED_PATH = '/v1/visitor/messages';

/** The refusal of a request the thread could not hand on: the app is closing. */
const STOPPING = 'the gateway is shutting down; try again later';
/**
 * The refusal of a request the thread could not hand on because the main thread's socket had no room
 * for another connection (EAGAIN: its accept queue full, the main thread's loop behind). Nothing of it
 * reached the app.
 */
const BUSY = 'the gateway is busy; try again later';

/** How often the thread sends the main thread its refusals' durations (for the metrics). */
const REPORT_INTERVAL_MS = 250;

/** The thread: listens on the public port, refuses or hands on. */
function runDoor(o: DoorData, port: NonNullable<typeof parentPort>): void {
  const word = new Int32Array(o.state);
  const warn = (message: string) => port.postMessage({ type: 'warning', message } satisfies ThreadMessage);
  const priority = prioritise(o.nice, o.fifo ?? 0, warn);
  const hop = new Hop(o, new Int32Array(o.hop), port, () => stopping);
  // What is not an admitted visitor message (the desk's and admin's requests, Socket.IO's long polls,
  // which hold one each) goes on HTTP connections, as many as it needs.
  const upstream = new http.Agent({ keepAlive: true });
  // Visitor messages handed on and not answered yet, and the clients' retries among them.
  let outstanding = 0;
  let retriesOutstanding = 0;
  let refusals: number[] = [];
  let desksBehind = 0;
  let busy: DoorRefusals['busy'] = [];
  let probes: DoorRefusals['probes'] = [];
  const health = new DoorHealth(o.healthMaxAgeMs);
  const refusedBusy = (req: IncomingMessage, started: number) =>
    busy.push({
      method: req.method ?? 'GET',
      path: pathOf(req.url),
      seconds: (performance.now() - started) / 1000,
    });
  const server = http.createServer({ noDelay: true }, (req, res) => {
    if (req.method === 'POST' && pathOf(req.url) === SHED_PATH) {
      // Stopping: the connection is not used again, whatever the answer (Hop.answered does the same).
      if (stopping) res.shouldKeepAlive = false;
      const view = unpackDoorView(Atomics.load(word, 0));
      const retry = isRetry(req.headers) ? unpackRetryView(Atomics.load(word, 1)) : null;
      // A retry meets the main thread's whole count (retriesShut, which lags by up to a publication)
      // and this thread's own retries in flight, against the retries' bound. Not this thread's first
      // tries: the thread counts what it hands on until the answer is back here, through the main
      // thread's loop twice, far longer than the main thread's count of what waits for conversation,
      // which the retries' bound is made for (RequestClient.boundFor): counted with them, retries were
      // held at the bound all through a recovery at half the sustainable rate (bench/overload, issue
      // 7's note, session 37). Its own retries are counted over that same long way, so they still
      // hold retries back somewhat more than the main thread's door would.
      const retriesFull = retry !== null && (retry.retriesShut || retriesOutstanding >= retry.retryBound);
      if (view.shut || retriesFull || outstanding >= view.bound) {
        const started = performance.now();
        const reason = view.shut ? view.reason : 'overloaded';
        refuse(req, res, o, view.retryAfterSeconds, o.refusal.messages[reason]);
        refusals.push((performance.now() - started) / 1000);
        if (reason === 'desks-behind') desksBehind++;
        return;
      }
      // The main thread's server has closed: it takes nothing more (the client retries elsewhere).
      if (draining) return refuse(req, res, o, 1, STOPPING);
      outstanding++;
      if (retry) retriesOutstanding++;
      res.once('close', () => {
        outstanding--;
        if (retry) retriesOutstanding--;
        if (draining && outstanding === 0) port.postMessage({ type: 'drained' } satisfies ThreadMessage);
      });
      hop.handOn(req, res);
      return;
    }
    const probe = health.serve(req, res, Atomics.load(word, 2), o.refusal.exposedHeaders, stopping);
    if (probe) return void probes.push(probe);
    handOn(req, res, o, upstream, stopping, refusedBusy);
  });
  server.keepAliveTimeout = o.keepAliveTimeoutMs;
  server.on('upgrade', (req: IncomingMessage, socket: net.Socket, head: Buffer) =>
    pipeUpgrade(req, socket, head, o, refusedBusy),
  );
  server.on('clientError', (_err, socket: net.Socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  const reportRefusals = () => {
    if (refusals.length === 0 && busy.length === 0 && probes.length === 0) return;
    const seconds = Float64Array.from(refusals);
    port.postMessage({ type: 'refusals', seconds, desksBehind, busy, probes } satisfies ThreadMessage, [
      seconds.buffer,
    ]);
    refusals = [];
    desksBehind = 0;
    busy = [];
    probes = [];
  };
  const report = setInterval(reportRefusals, REPORT_INTERVAL_MS);
  // Stopping: no new connection; the idle ones closed, the others after their answer in progress,
  // and so the connections to the main thread, which can then close.
  let stopping = false;
  let draining = false;
  port.on('message', (m: MainMessage) => {
    if (m.type === 'answers') return hop.answered(m.answers);
    if (m.type === 'health') return health.update(m.answers);
    if (m.type === 'drain') {
      draining = true;
      if (outstanding === 0) port.postMessage({ type: 'drained' } satisfies ThreadMessage);
      return;
    }
    if (!stopping) {
      stopping = true;
      // Refusals are still reported until the thread ends (the main thread counts them, though this
      // gateway serves no scrape once it stops accepting); the timer does not keep the thread alive.
      report.unref();
      reportRefusals();
      server.close();
      server.closeIdleConnections();
      // Node closes the idle ones once, at close: those that answered since, every half second.
      setInterval(() => server.closeIdleConnections(), 500).unref();
      for (const sockets of Object.values(upstream.freeSockets)) sockets?.forEach((s) => s.destroy());
      // Those busy now are closed once their answer is in, not kept for another request.
      upstream.on('free', (socket: net.Socket) => socket.destroy());
    }
    port.postMessage({ type: 'stopped' } satisfies ThreadMessage);
  });
  const listen = (options: net.ListenOptions) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options, () => {
        server.off('error', reject);
        resolve();
      });
    });
  void listenOnSockets(server, listen, { port: o.port, backlog: o.backlog, sockets: o.sockets }).then(
    (sockets) =>
      port.postMessage({
        type: 'listening',
        port: (server.address() as net.AddressInfo).port,
        sockets,
        priority,
      } satisfies ThreadMessage),
  );
}

/**
 * The admitted visitor messages' hop to the main thread: each request's head and whole body in a
 * message, their answers back the same way (http/door-hop.ts serves them there). Over HTTP on a Unix
 * socket, this hop parsed and wrote every request and answer twice more, and cost the gateway a
 * quarter more CPU per message than the door in front of Express (bench/flow, session 31); the
 * thread's own client side of it was most of the thread's time.
 *
 * Requests go in batches, one at a time: what comes while the main thread has not taken the last
 * batch waits for it (a shared count of batches taken, which the main thread notifies), so that a
 * main thread whose loop is behind takes everything in one message, not one per request; an idle
 * one gets each request at once.
 */
class Hop {
  private nextId = 0;
  private sent = 0;
  private queued: HopRequest[] = [];
  private awaitingTaken = false;
  /** The client's response of each request handed on and not answered yet. */
  private readonly waiting = new Map<number, ServerResponse>();

  constructor(
    private readonly o: DoorThreadOptions,
    private readonly taken: Int32Array,
    private readonly port: NonNullable<typeof parentPort>,
    private readonly stopping: () => boolean,
  ) {}

  handOn(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    let size = 0;
    let read = false;
    // The client as it connected (its socket may be gone by the body's end).
    const forwarded = forwardedFor(req);
    // The body whole, or one byte past the app's limit: enough for its parser to refuse it (413).
    // (A compressed body is cut at the limit as sent, where the parser's limit is on it inflated: one
    // that large is refused either way, 400 here rather than 413.)
    const send = (complete: boolean) => {
      if (read) return;
      read = true;
      // Gone meanwhile: nothing waits for it, and it no longer counts against the bound.
      if (res.destroyed) return;
      // A buffer of its own, exactly its size, moved to the main thread rather than copied.
      const body = ownBytes(chunks, this.o.bodyLimitBytes + 1);
      const headers = passedOn(req.headers, NOT_FROM_CLIENTS) as IncomingHttpHeaders;
      delete headers['transfer-encoding'];
      if (complete || headers['content-length'] === undefined)
        headers['content-length'] = String(body.length);
      headers['x-forwarded-for'] = forwarded;
      headers[DOOR_ADMITTED_HEADER] = this.o.secret;
      const id = ++this.nextId;
      this.waiting.set(id, res);
      res.once('close', () => this.waiting.delete(id));
      this.queued.push({ id, method: req.method ?? 'POST', url: req.url ?? '/', headers, body });
      if (this.queued.length === 1) this.send();
    };
    req.on('data', (chunk: Buffer) => {
      if (read) return;
      chunks.push(chunk);
      size += chunk.length;
      if (size > this.o.bodyLimitBytes) send(false);
    });
    req.on('end', () => send(true));
  }

  answered(answers: HopAnswer[]): void {
    for (const a of answers) {
      const res = this.waiting.get(a.id);
      if (!res) continue;
      this.waiting.delete(a.id);
      // Cut short in the app: so is the client's answer, as over a connection.
      if (a.status === 0) {
        res.destroy();
        continue;
      }
      if (this.stopping()) res.shouldKeepAlive = false;
      res.writeHead(a.status, a.statusMessage, passedOn(a.headers as IncomingHttpHeaders, NOT_TO_CLIENTS));
      res.end(a.body);
    }
  }

  /**
   * Sends what is queued if the main thread has taken the last batch, else once it does (it notifies
   * the count: a wake-up of this thread per batch taken, where looking every millisecond would be
   * one a millisecond). Both counts wrap at 2^31 alike, so they are compared for equality only.
   */
  private send(): void {
    if (this.awaitingTaken || this.queued.length === 0) return;
    const taken = Atomics.load(this.taken, 0);
    if (taken !== this.sent) {
      const wait = Atomics.waitAsync(this.taken, 0, taken);
      if (wait.async) {
        this.awaitingTaken = true;
        void wait.value.then(() => {
          this.awaitingTaken = false;
          this.send();
        });
        return;
      }
      // Taken meanwhile: the count is no longer what was read.
      return this.send();
    }
    const requests = this.queued;
    this.queued = [];
    this.sent = (this.sent + 1) | 0;
    const bodies = requests.map((r) => r.body.buffer as ArrayBuffer);
    this.port.postMessage({ type: 'requests', requests } satisfies ThreadMessage, bodies);
  }
}

/**
 * Lowers this thread's nice value (thread-nice.ts: on Linux, this thread's only), then puts it under
 * SCHED_FIFO when asked; the nice value is what it keeps if that is refused, or its policy is ever
 * reset. At nice -20 the thread still waits for a core, likely behind threads of its own weight and
 * the slice of the one running: through bench/overload's overload it waited 218–303 ms of each
 * second, and answered a burst of new connections 100 ms and more after their requests arrived; under
 * SCHED_FIFO, 0.27–3.44 ms (session 54: docs/architecture.md, Overload, the door thread; its traces in
 * docs/performance.md, "The door thread, measured (sessions 38–57)").
 */
function prioritise(nice: number, fifo: number, warn: (message: string) => void): DoorPriority {
  // Said only if the thread is left to its nice value: under SCHED_FIFO it does not count (a container
  // given an RLIMIT_RTPRIO and neither CAP_SYS_NICE nor an RLIMIT_NICE gets the policy and not the
  // nice value).
  let niceWarning: string | undefined;
  if (nice !== 0 && THREAD_NICE_SUPPORTED) {
    try {
      setThreadNice(nice);
      if (threadNice() !== nice) niceWarning = `the door thread's nice value is ${threadNice()}, not ${nice}`;
    } catch (err) {
      niceWarning = niceRefused('the door thread', nice, err);
    }
  }
  if (fifo !== 0) {
    if (!THREAD_NICE_SUPPORTED) {
      warn(`the door thread stays at its nice value (SCHED_FIFO is asked for, and set on Linux only)`);
    } else {
      try {
        setThreadFifo(threadId(), fifo);
        return { fifo, nice: threadNice() };
      } catch (err) {
        warn(
          `the door thread stays at its nice value (SCHED_FIFO ${fifo} refused: ${(err as Error).message}; ` +
            `it takes CAP_SYS_NICE or an RLIMIT_RTPRIO of ${fifo}, and util-linux's chrt)`,
        );
      }
    }
  }
  if (niceWarning) warn(niceWarning);
  return { fifo: 0, nice: THREAD_NICE_SUPPORTED ? threadNice() : 0 };
}

function handOn(
  req: IncomingMessage,
  res: ServerResponse,
  o: DoorThreadOptions,
  agent: http.Agent,
  stopping: boolean,
  refusedBusy: (req: IncomingMessage, started: number) => void,
): void {
  const started = performance.now();
  const headers = passedOn(req.headers, NOT_FROM_CLIENTS);
  headers['x-forwarded-for'] = forwardedFor(req);
  if (stopping) {
    // Neither connection is used again: both end after this answer.
    headers.connection = 'close';
    res.shouldKeepAlive = false;
  }
  let upstream: http.ClientRequest;
  try {
    upstream = http.request(
      { socketPath: o.socketPath, method: req.method, path: req.url, headers, agent },
      (answer) => pipeAnswer(answer, res),
    );
  } catch {
    // What Node's parser accepts and its client refuses to send (a tab in the path): not the app's.
    res.writeHead(400, { 'Content-Type': 'application/json; charset=utf-8', Connection: 'close' });
    res.end(
      JSON.stringify({ error: { code: 'VALIDATION_FAILED', message: 'the request line is not valid' } }),
    );
    return;
  }
  upstream.on('error', (err: NodeJS.ErrnoException) => {
    // Nothing reached the main thread (it is stopping, or its socket's queue of connections is full):
    // refused, the client retries. Anything else may have reached it: the connection is reset, as the
    // main thread's own would be.
    const refusal = refusalOfConnect(err.code);
    if (!res.headersSent && refusal) {
      refuse(req, res, o, 1, refusal);
      if (refusal === BUSY) refusedBusy(req, started);
    } else res.destroy();
  });
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  req.pipe(upstream);
}

/** An upgrade (Socket.IO's WebSocket) is piped both ways once its head is written. */
function pipeUpgrade(
  req: IncomingMessage,
  socket: net.Socket,
  head: Buffer,
  o: DoorThreadOptions,
  refusedBusy: (req: IncomingMessage, started: number) => void,
): void {
  const started = performance.now();
  let connected = false;
  const upstream = net.connect(o.socketPath, () => {
    connected = true;
    const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i].toLowerCase();
      // An upgrade keeps its Connection and Upgrade: they are what it asks for.
      if (CLIENT_CLAIMS.has(name)) continue;
      lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    }
    lines.push(`X-Forwarded-For: ${forwardedFor(req)}`);
    upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head.length > 0) upstream.write(head);
    socket.pipe(upstream).pipe(socket);
  });
  upstream.setNoDelay(true);
  upstream.on('error', (err: NodeJS.ErrnoException) => {
    // Not connected, so nothing of it reached the app: refused as a request would be (handOn), the
    // client tries again. Connected, the upgrade is cut, as the app's own socket would be.
    const refusal = connected ? undefined : refusalOfConnect(err.code);
    if (refusal && socket.writable) {
      socket.end(rawRefusal(req, o, refusal));
      if (refusal === BUSY) refusedBusy(req, started);
    } else socket.destroy();
  });
  socket.on('error', () => upstream.destroy());
  socket.on('close', () => upstream.destroy());
  upstream.on('close', () => socket.destroy());
}

/** The client's X-Forwarded-For with this connection's peer appended, as a proxy does. */
function forwardedFor(req: IncomingMessage): string {
  const prior = req.headers['x-forwarded-for'];
  // An IPv4 client on a dual-stack socket, in the form proxies write (and TRUST_PROXY lists).
  const peer = (req.socket.remoteAddress ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  return prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${peer}` : peer;
}

/**
 * Why the main thread's socket took no connection, when nothing can have reached the app: it is gone
 * (the app stopping) or its queue of connections is full (EAGAIN: a Unix socket refuses at once where
 * TCP would have the client try again). Undefined for anything else.
 */
function refusalOfConnect(code: string | undefined): string | undefined {
  if (code === 'ECONNREFUSED' || code === 'ENOENT') return STOPPING;
  if (code === 'EAGAIN') return BUSY;
  return undefined;
}

/** `refuse`'s answer as bytes, for an upgrade's socket, which has no response object. */
function rawRefusal(req: IncomingMessage, o: DoorThreadOptions, message: string): string {
  const { headers, json } = refusalAnswer(req, o, 1, message);
  const lines = Object.entries({ ...headers, Connection: 'close' }).map(
    ([name, value]) => `${name}: ${value}`,
  );
  return `HTTP/1.1 503 Service Unavailable\r\n${lines.join('\r\n')}\r\n\r\n${json}`;
}

/** The main thread's refusal (limits/load-shedding.ts), written here: 503 `UNAVAILABLE`, Retry-After. */
function refuse(
  req: IncomingMessage,
  res: ServerResponse,
  o: DoorThreadOptions,
  retryAfterSeconds: number,
  message: string,
): void {
  const { headers, json } = refusalAnswer(req, o, retryAfterSeconds, message);
  res.writeHead(503, headers);
  res.end(json);
}

/** A refusal's headers and body, whether written on a response (`refuse`) or on a bare socket. */
function refusalAnswer(
  req: IncomingMessage,
  o: DoorThreadOptions,
  retryAfterSeconds: number,
  message: string,
): { headers: Record<string, string>; json: string } {
  return errorAnswer(req, o.refusal.exposedHeaders, 'UNAVAILABLE', message, Math.max(1, retryAfterSeconds));
}

if (!isMainThread && parentPort && (workerData as Partial<DoorData> | null)?.secret) {
  runDoor(workerData as DoorData, parentPort);
}
