import type { IncomingHttpHeaders } from 'node:http';
import type { Worker } from 'node:worker_threads';
import { extname, join } from 'node:path';
import type { DoorHealthAnswer, ProbeServed } from './door-health';
import type { HopAnswer, HopRequest } from './door-hop';
import type { DoorReason } from './door-state';
import { DOOR_ADMITTED_HEADER } from './thread-http';
import { newThreadWorker } from './thread-worker';

/**
 * The door thread (HTTP_DOOR_THREAD; docs/architecture.md, Overload). A thread of the gateway's
 * process holds its public port: it refuses visitor messages while the main thread's door is shut,
 * without waiting for the main thread's event loop. The visitor messages it admits it hands to the
 * main thread as messages, whole (http/door-hop.ts); every other request, and every upgrade, it
 * hands to the main thread's HTTP server on a private Unix socket.
 *
 * Under overload the main thread's loop is hundreds of milliseconds behind (the answers and desk
 * events of what it admitted, on cores PostgreSQL, Kafka and the services share), and a refusal made
 * there waits as long. The door thread does little per request; at a higher CPU priority than the
 * rest (its own nice value: on Linux a thread's; or SCHED_FIFO, `fifo`), it is on a core within a
 * millisecond or so of a request's arrival.
 *
 * The main thread publishes its door's state in shared memory (`DoorState`): shut or open, the
 * Retry-After to give, and the bounds of visitor messages in flight (a lower one for a client's retry,
 * `X-Attempt`: RequestClient.boundFor). The thread counts the visitor
 * messages it handed on and not yet answered, and refuses at that bound itself, so that what it
 * admits never meets the main thread's bound: it marks each with a secret header
 * (`admittedByDoor`), and the main thread's own door and bound let it through.
 */

export { DOOR_ADMITTED_HEADER } from './thread-http';

/**
 * The route label of a request or upgrade the thread refused because the main thread's socket was
 * full (pupitre_http_request_duration_seconds, pupitre_http_refused_total): the app never saw it.
 */
export const DOOR_BUSY_ROUTE = 'door-busy';

export interface DoorThreadOptions {
  /** The main thread's HTTP server, listening on this Unix socket. */
  socketPath: string;
  port: number;
  backlog: number;
  sockets: number;
  keepAliveTimeoutMs: number;
  /**
   * The app's body limit: an admitted visitor message's body is read up to one byte past it, enough
   * for the app's body parser to refuse it as it would (413).
   */
  bodyLimitBytes: number;
  /** The thread's nice value (-20 to 19); lowering it takes CAP_SYS_NICE or RLIMIT_NICE, else a warning. */
  nice: number;
  /**
   * 1–99: the thread under SCHED_FIFO at this priority as well (Linux; CAP_SYS_NICE or RLIMIT_RTPRIO,
   * and util-linux's `chrt`, else a warning and the nice value alone); 0 or absent: its nice value only.
   */
  fifo?: number;
  secret: string;
  state: SharedArrayBuffer;
  /**
   * What the main thread's refusals say, so that the thread's are the same: the message for each
   * reason, and the CORS headers a browser's web chat needs to read the 503 (Retry-After).
   */
  refusal: { messages: Record<DoorReason, string>; exposedHeaders: string };
  /** How stale the main thread's copy of the probes may be before they are handed on (door-health.ts). */
  healthMaxAgeMs?: number;
}

/** The secrets of this process's door threads (one per gateway; tests run several in one process). */
const secretsInUse = new Set<string>();

/** Whether a request reaching the main thread was admitted by the door thread. */
export function admittedByDoor(headers: IncomingHttpHeaders | undefined): boolean {
  const secret = headers?.[DOOR_ADMITTED_HEADER];
  return typeof secret === 'string' && secretsInUse.has(secret);
}

/** The priority the thread runs at (Linux; elsewhere nice 0 and no SCHED_FIFO). */
export interface DoorPriority {
  /** Its SCHED_FIFO priority, 0 when it is not under that policy (refused, or not asked for). */
  fifo: number;
  /** Its nice value (what counts when it is not under SCHED_FIFO). */
  nice: number;
}

export interface DoorThread {
  port: number;
  /** How many sockets listen on the port (http/listen.ts). */
  sockets: number;
  /** What it got of the priority asked for (HTTP_DOOR_THREAD_NICE, HTTP_DOOR_THREAD_FIFO). */
  priority: DoorPriority;
  /** Stops accepting connections and closes the idle ones; resolves at once after that. */
  stopAccepting(): Promise<void>;
  /** Resolves once every visitor message the thread admitted is answered (after stopAccepting). */
  drained(): Promise<void>;
  /** Ends the thread (after the main thread's server has closed: the connections it piped end). */
  terminate(): Promise<void>;
  /** The probes' answers now, for the thread to give (send them when one changes). */
  publishHealth(answers: Record<string, DoorHealthAnswer>): void;
}

/** Refusals the thread made, reported every 250 ms at most. */
export interface DoorRefusals {
  /** How long each took in the thread (seconds). */
  seconds: Float64Array;
  /** How many of them were while the desk feed was behind (the others: conversation overloaded). */
  desksBehind: number;
  /**
   * Other requests and upgrades refused because the main thread's socket took no connection (its
   * queue full): the method and path (without its query) of each, and how long it took in the thread
   * (seconds).
   */
  busy: { method: string; path: string; seconds: number }[];
  /** The probes the thread answered itself (door-health.ts). */
  probes: ProbeServed[];
}

export interface DoorThreadHooks {
  /** Serves a visitor message the thread admitted; `answer` once the app has answered it. */
  serve(request: HopRequest, answer: (a: HopAnswer) => void): void;
  onRefusals(refusals: DoorRefusals): void;
  onWarning(message: string): void;
  /** The thread failed or ended on its own after it started: the gateway no longer takes requests. */
  onFailure(err: Error): void;
}

export async function startDoorThread(o: DoorThreadOptions, hooks: DoorThreadHooks): Promise<DoorThread> {
  secretsInUse.add(o.secret);
  const hop = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  const worker = newWorker(o, hop.buffer as SharedArrayBuffer);
  let terminated = false;
  // Answers go back together, once this turn of the loop has answered what it will.
  let answers: HopAnswer[] = [];
  const sendAnswers = () => {
    const batch = answers;
    answers = [];
    // Moved, not copied, where a body is its buffer's alone (serveHopped's are).
    const bodies = batch
      .map((a) => a.body.buffer as ArrayBuffer)
      .filter((b, i) => b.byteLength === batch[i].body.byteLength);
    if (!terminated) worker.postMessage({ type: 'answers', answers: batch } satisfies MainMessage, bodies);
  };
  const answer = (a: HopAnswer) => {
    answers.push(a);
    if (answers.length === 1) setImmediate(sendAnswers);
  };
  worker.on('message', (m: ThreadMessage) => {
    if (m.type === 'requests') {
      // Taken: the thread may send what has come since.
      Atomics.add(hop, 0, 1);
      Atomics.notify(hop, 0);
      for (const request of m.requests) {
        try {
          hooks.serve(request, answer);
        } catch (err) {
          // Its client's connection is reset (serveHopped answers status 0); the others are served.
          hooks.onWarning(`a visitor message handed over failed: ${(err as Error).stack ?? String(err)}`);
        }
      }
    }
    if (m.type === 'refusals') hooks.onRefusals(m);
    if (m.type === 'warning') hooks.onWarning(m.message);
  });
  let listening: { port: number; sockets: number; priority: DoorPriority };
  try {
    listening = await new Promise((resolve, reject) => {
      const onExit = (code: number) =>
        reject(new Error(`the door thread exited (code ${code}) before it listened`));
      const onMessage = (m: ThreadMessage) => {
        if (m.type !== 'listening') return;
        worker.off('error', reject);
        worker.off('exit', onExit);
        worker.off('message', onMessage);
        resolve(m);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
      worker.once('exit', onExit);
    });
  } catch (err) {
    // Its port taken, say: nothing of it is left (another gateway of this process keeps its own).
    secretsInUse.delete(o.secret);
    await worker.terminate();
    throw err;
  }
  const { port, sockets, priority } = listening;
  let exited = false;
  // Tells the thread, and resolves once it says it is done (or has ended: nothing is left to wait for).
  const ask = (message: MainMessage, done: ThreadMessage['type']) =>
    new Promise<void>((resolve) => {
      if (terminated || exited) return resolve();
      const finish = () => {
        worker.off('message', onMessage);
        worker.off('exit', finish);
        resolve();
      };
      const onMessage = (m: ThreadMessage) => m.type === done && finish();
      worker.on('message', onMessage);
      worker.once('exit', finish);
      worker.postMessage(message);
    });
  worker.on('error', (err) => hooks.onFailure(err));
  worker.on('exit', (code) => {
    exited = true;
    if (!terminated) hooks.onFailure(new Error(`the door thread exited (code ${code})`));
  });
  return {
    port,
    sockets,
    priority,
    publishHealth: (answers) => {
      if (!terminated && !exited) worker.postMessage({ type: 'health', answers } satisfies MainMessage);
    },
    stopAccepting: () => ask({ type: 'stop' }, 'stopped'),
    drained: () => ask({ type: 'drain' }, 'drained'),
    terminate: async () => {
      secretsInUse.delete(o.secret);
      terminated = true;
      await worker.terminate();
    },
  };
}

/** What the thread tells the main thread. */
export type ThreadMessage =
  | { type: 'listening'; port: number; sockets: number; priority: DoorPriority }
  | { type: 'requests'; requests: HopRequest[] }
  | { type: 'stopped' }
  | { type: 'drained' }
  | ({ type: 'refusals' } & DoorRefusals)
  | { type: 'warning'; message: string };

/** What the main thread tells the thread. */
export type MainMessage =
  | { type: 'answers'; answers: HopAnswer[] }
  | { type: 'health'; answers: Record<string, DoorHealthAnswer> }
  | { type: 'stop' }
  | { type: 'drain' };

/** The thread's data: its options, and the count of batches of requests the main thread has taken. */
export interface DoorData extends DoorThreadOptions {
  hop: SharedArrayBuffer;
}

/**
 * The thread's young generation, at most, in MB. Left to V8, it grows with the rate of allocation:
 * in bench/overload's runs (a threefold overload) the thread's scavenges took 11-15 ms at the
 * median and up to 69-194 ms, while every refusal waited (session 53, --trace-gc). Capped, they come
 * about fifteen times as often, 1.6-2.0 ms at the median; the long ones went only with node's
 * --single-threaded-gc as well (docs/architecture.md, Overload, the door thread).
 */
const DOOR_YOUNG_GENERATION_MB = 4;

/** The thread (door-worker.ts), compiled or (under jest) compiled on the fly (thread-worker.ts). */
function newWorker(o: DoorThreadOptions, hop: SharedArrayBuffer): Worker {
  return newThreadWorker(join(__dirname, `door-worker${extname(__filename)}`), {
    workerData: { ...o, hop } satisfies DoorData,
    name: 'pupitre-door',
    resourceLimits: { maxYoungGenerationSizeMb: DOOR_YOUNG_GENERATION_MB },
  });
}
