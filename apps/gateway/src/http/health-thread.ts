import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type net from 'node:net';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { DoorHealth, type DoorHealthAnswer, healthStamp, type ProbeServed } from './door-health';
import { errorAnswer, NOT_FROM_CLIENTS, passedOn, pathOf, pipeAnswer } from './thread-http';
import { niceRefused, setThreadNice, THREAD_NICE_SUPPORTED, threadNice } from './thread-nice';
import { newThreadWorker } from './thread-worker';

/**
 * The gateway's probes on a port of their own (HEALTH_PORT), held by a thread of their own: a
 * kubelet's or a balancer's check that does not wait for the main thread's event loop. Under an
 * overload that loop is hundreds of milliseconds behind, and a probe it serves waits as long:
 * `bench/overload`'s readiness probes took 354 ms at the median and 765 ms at p99 through the
 * gateway's port with the default door (session 58). The door thread (HTTP_DOOR_THREAD) answers them
 * on the public port; this thread does it without the door thread, and beside it on a port that
 * need not be public.
 *
 * It answers a `GET` of a probe from the main thread's copy (door-health.ts) while the main thread's
 * stamp is fresh. Past that (the main loop stopped or far behind), and for any other method on those
 * paths, it hands the request to the app's own server, as the door thread does, so a stuck gateway
 * still fails its probes. `handedOn` paths (`/metrics`) are always handed on; any other path is
 * 404 `NOT_FOUND`: the app's API is not served here.
 */

export interface HealthThreadOptions {
  /** The probes' port (0: any free one). */
  port: number;
  /** Where the app's own server listens: a Unix socket (behind the door thread) or a TCP port. */
  upstream: { socketPath: string } | { host: string; port: number };
  /** The probes' paths: answered from the copy while it is fresh, else handed on. */
  probes: readonly string[];
  /** Other paths served here by the app itself (handed on). */
  handedOn: readonly string[];
  /** The app's CORS exposed headers, for the answers this thread writes. */
  exposedHeaders: string;
  /** How stale the main thread's copy may be before probes are handed on (door-health.ts). */
  healthMaxAgeMs?: number;
  /**
   * The thread's nice value (-20 to 19; Linux): lowering it takes CAP_SYS_NICE or an RLIMIT_NICE of
   * 20 - the value, else a warning (`onWarning`) and the process's. 0 or absent: the process's.
   */
  nice?: number;
}

/** A probe the thread answered from the copy. */
export type HealthThreadProbe = ProbeServed;

export interface HealthThreadHooks {
  /** The probes it answered itself, every 250 ms at most (the app counts the ones it serves). */
  onProbes(probes: HealthThreadProbe[]): void;
  /** The thread failed or ended on its own after it started: the probes' port is gone. */
  onFailure(err: Error): void;
  /** What the thread could not do as asked (its nice value refused). */
  onWarning(message: string): void;
}

export interface HealthThread {
  port: number;
  /** The nice value the thread runs at (Linux; elsewhere 0). */
  nice: number;
  /** The probes' answers now, for the thread to give (send them when one changes). */
  publish(answers: Record<string, DoorHealthAnswer>): void;
  /** The copy is fresh as of `now` (door-health.ts: stamp only where the answers are worked out). */
  stamp(now?: number): void;
  /** Stops listening, closes its connections and ends the thread; once, whoever calls it. */
  close(): Promise<void>;
}

/** How often the thread sends what it answered (for the metrics). */
const REPORT_INTERVAL_MS = 250;

export async function startHealthThread(
  o: HealthThreadOptions,
  hooks: HealthThreadHooks,
): Promise<HealthThread> {
  const stampWord = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  const worker = newThreadWorker(__filename, {
    workerData: { ...o, stamp: stampWord.buffer } satisfies HealthData,
    name: 'pupitre-health',
    // Its work is a probe's answer: a young generation of V8's least keeps its scavenges short.
    resourceLimits: { maxYoungGenerationSizeMb: 2 },
  });
  worker.on('message', (m: ThreadMessage) => {
    if (m.type === 'probes') hooks.onProbes(m.probes);
    if (m.type === 'warning') hooks.onWarning(m.message);
  });
  let listening: { port: number; nice: number };
  try {
    listening = await new Promise((resolve, reject) => {
      const onExit = (code: number) =>
        reject(new Error(`the health thread exited (code ${code}) before it listened`));
      const onMessage = (m: ThreadMessage) => {
        if (m.type === 'listening') {
          worker.off('exit', onExit);
          worker.off('error', reject);
          worker.off('message', onMessage);
          resolve(m);
        }
        if (m.type === 'failed') reject(new Error(m.message));
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
      worker.once('exit', onExit);
    });
  } catch (err) {
    await worker.terminate();
    throw err;
  }
  let closing: Promise<void> | undefined;
  worker.on('error', (err) => hooks.onFailure(err));
  worker.on('exit', (code) => {
    if (!closing) hooks.onFailure(new Error(`the health thread exited (code ${code})`));
  });
  return {
    port: listening.port,
    nice: listening.nice,
    publish: (answers) => {
      if (!closing) worker.postMessage({ type: 'health', answers } satisfies MainMessage);
    },
    stamp: (now = Date.now()) => {
      // Closing, the copy gets no more answers: a stamp must not call it fresh again.
      if (!closing) Atomics.store(stampWord, 0, healthStamp(now));
    },
    close: () =>
      (closing ??= (async () => {
        // Probes from now on are the app's (a closing gateway's own answers), then none at all.
        Atomics.store(stampWord, 0, 0);
        await new Promise<void>((resolve) => {
          const onMessage = (m: ThreadMessage) => m.type === 'stopped' && resolve();
          worker.on('message', onMessage);
          worker.once('exit', () => resolve());
          worker.postMessage({ type: 'stop' } satisfies MainMessage);
        });
        await worker.terminate();
      })()),
  };
}

type ThreadMessage =
  | { type: 'listening'; port: number; nice: number }
  | { type: 'failed'; message: string }
  | { type: 'probes'; probes: HealthThreadProbe[] }
  | { type: 'warning'; message: string }
  | { type: 'stopped' };

type MainMessage = { type: 'health'; answers: Record<string, DoorHealthAnswer> } | { type: 'stop' };

interface HealthData extends HealthThreadOptions {
  /** One word: the main thread's stamp of its copy (door-health.ts). */
  stamp: SharedArrayBuffer;
}

/** The thread: listens on the probes' port, answers from the copy or hands on. */
function runHealth(o: HealthData, port: NonNullable<typeof parentPort>): void {
  const word = new Int32Array(o.stamp);
  if (o.nice && THREAD_NICE_SUPPORTED) {
    try {
      setThreadNice(o.nice);
    } catch (err) {
      port.postMessage({
        type: 'warning',
        message: niceRefused('the health thread', o.nice, err),
      } satisfies ThreadMessage);
    }
  }
  const health = new DoorHealth(o.healthMaxAgeMs);
  const probePaths = new Set(o.probes);
  const handedOn = new Set(o.handedOn);
  let probes: HealthThreadProbe[] = [];
  let stopping = false;
  const server = http.createServer({ noDelay: true }, (req, res) => {
    // Only the probes' answers are ever published to the copy (HealthCopy): those of `probePaths`.
    const probe = health.serve(req, res, Atomics.load(word, 0), o.exposedHeaders, stopping);
    if (probe) return void probes.push(probe);
    const path = pathOf(req.url);
    if (probePaths.has(path) || handedOn.has(path)) return handOn(req, res, o, stopping);
    writeError(req, res, o, 404, 'NOT_FOUND', `${path} is not served on the health port`);
  });
  server.on('clientError', (_err, socket: net.Socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  const reportProbes = () => {
    if (probes.length === 0) return;
    port.postMessage({ type: 'probes', probes } satisfies ThreadMessage);
    probes = [];
  };
  const report = setInterval(reportProbes, REPORT_INTERVAL_MS);
  port.on('message', (m: MainMessage) => {
    if (m.type === 'health') return health.update(m.answers);
    stopping = true;
    clearInterval(report);
    reportProbes(); // those of the last quarter second, counted before the thread ends
    server.close(() => port.postMessage({ type: 'stopped' } satisfies ThreadMessage));
    server.closeAllConnections();
  });
  server.once('error', (err) =>
    port.postMessage({ type: 'failed', message: err.message } satisfies ThreadMessage),
  );
  server.listen(o.port, () =>
    port.postMessage({
      type: 'listening',
      port: (server.address() as net.AddressInfo).port,
      nice: THREAD_NICE_SUPPORTED ? threadNice() : 0,
    } satisfies ThreadMessage),
  );
}

/** The request to the app's own server, on a connection of its own; its answer back as it comes. */
function handOn(req: IncomingMessage, res: ServerResponse, o: HealthData, stopping: boolean): void {
  const upstream = http.request(
    {
      ...o.upstream,
      method: req.method,
      path: req.url,
      headers: { ...passedOn(req.headers, NOT_FROM_CLIENTS), connection: 'close' },
      agent: false,
    },
    (answer) => {
      if (stopping) res.shouldKeepAlive = false;
      pipeAnswer(answer, res);
    },
  );
  // The prober gave up: so does the request to the app.
  res.once('close', () => upstream.destroy());
  upstream.on('error', () => {
    if (!res.headersSent)
      writeError(req, res, o, 503, 'UNAVAILABLE', 'the gateway is not serving; try again later');
    else res.destroy();
  });
  req.pipe(upstream);
}

/** The contract's error body (`{error: {code, message}}`), with a Retry-After on a 503. */
function writeError(
  req: IncomingMessage,
  res: ServerResponse,
  o: HealthData,
  status: 404 | 503,
  code: string,
  message: string,
): void {
  const { headers, json } = errorAnswer(req, o.exposedHeaders, code, message, status === 503 ? 1 : undefined);
  res.writeHead(status, headers);
  res.end(json);
}

if (!isMainThread && parentPort && (workerData as Partial<HealthData> | null)?.probes) {
  runHealth(workerData as HealthData, parentPort);
}
