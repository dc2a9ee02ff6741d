/**
 * The visitors' clients of bench/overload: they post each phase's messages on an open-loop schedule,
 * retry refused ones as the SDK does, and record every attempt.
 *
 * They run in the bench's own process (`inProcessClients`, the default and every run before session
 * 55), or in processes of their own (`forkClients`, `--client-processes N`), each with every N-th
 * visitor and an N-th of the rate, their schedules offset by a send's interval (roughly: each process's
 * timers keep their own time). In the bench's own process they share one
 * event loop with the desks' sockets and with each other: a burst of new connections at the overload's
 * start, or a burst of answers, waits its turn there, and that wait is in every latency they measure
 * (issue 7's note, session 54: from a connection's being established to its request's reaching the
 * gateway, p99 25–138 ms). Phones each have their own CPU; processes of their own come closer to that,
 * on the same two cores.
 *
 * Times cross processes as wall-clock milliseconds (`performance.timeOrigin` + `performance.now()`)
 * and are read back on the bench's own clock, so every figure stays on one clock.
 */
import { fork } from 'node:child_process';
import type { Socket as NetSocket } from 'node:net';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { backoffDelay, DEFAULT_BACKOFF, parseRetryAfter } from '../../libs/sdk/src/backoff';
import { trySetProcessNice } from './cpu';
import { LeanHttpClient, type Warmed } from './lean-http';
import { abort, openLoop, sleep, waitUntil } from './open-loop';

/** Clients retry as the SDK's outbox does (libs/sdk's backoffDelay and DEFAULT_BACKOFF), at most this often. */
export const MAX_ATTEMPTS = 8;
/** A client gives up retrying a message this long after its first try. */
const GIVE_UP_MS = 60_000;
/** The lean client's bound on connections, in each process. */
const MAX_SOCKETS = 5000;

/** Why a 503 came, from its message (the gateway's RequestClient and DeskFeedLag). */
export const REFUSAL_LABELS = {
  bound: 'at the in-flight bound',
  feed: "while the gateway's desk feed was behind",
  deadline: 'past their deadline (admitted, not answered)',
  other: 'for another reason (a gateway stopping, an unreadable answer)',
} as const;
export type RefusalKind = keyof typeof REFUSAL_LABELS;

function refusalKind(message = ''): RefusalKind {
  if (/did not answer in time/.test(message)) return 'deadline';
  if (/is overloaded; try again later$/.test(message)) return 'bound';
  if (/^the desks are behind/.test(message)) return 'feed';
  return 'other';
}

export interface Attempt {
  phase: string;
  /** Index of the message in `messages`. */
  message: number;
  attempt: number;
  sentAt: number;
  latencyMs: number;
  /** HTTP status, or -1 for a network error. */
  status: number;
  /** For a 503: why it came, from its message (REFUSAL_LABELS). */
  refusal?: RefusalKind;
  /** Of `latencyMs`: waiting in the client's pool for a socket, and opening it (0 on a kept-alive one). */
  queuedMs?: number;
  connectingMs?: number;
}

export interface Msg {
  id: string;
  phase: string;
  attempts: number;
  lastStatus: number;
  settled: boolean;
}

/** Every message and attempt so far; `attempts[i].message` indexes `messages`. */
export interface Sent {
  messages: Msg[];
  attempts: Attempt[];
}

/**
 * The clients' own event-loop delay during a phase, in ms (the worst process's, when several), and
 * the CPU their process(es) used meanwhile, in ms (all of them; in the bench's own process, all of
 * that process's: the desks' sockets too).
 */
export interface PhaseLoop {
  p99: number;
  max: number;
  cpuMs: number;
}

export interface ClientFleet {
  /** How they run, for the conditions line. */
  readonly described: string;
  /**
   * Sends `count` messages at `rate` a second, open loop; resolves once the last one is sent (its
   * retries go on). `t0`: when the first was due, on this process's clock.
   */
  run(
    phase: string,
    rate: number,
    count: number,
    retrying: boolean,
  ): Promise<{ t0: number; loop: PhaseLoop }>;
  /**
   * Opens `connections` keep-alive connections (in all) and leaves them idle in the clients' pools, so
   * that a rise in load finds them open, as a load balancer's connections to the gateway would be.
   * Resolves with how many are open, and what the others got (an answer's status, or an error).
   */
  warm(connections: number): Promise<Warmed>;
  /** Waits until every message (of `phase`, or of all) is settled: a 201, or no more retries. */
  settled(timeoutMs: number, phase?: string): Promise<boolean>;
  record(): Promise<Sent>;
  stop(): void;
}

/**
 * One process's clients: `tokens` are theirs, used in turn; message ids are `${idPrefix}${phase}-${i}`.
 */
class Clients {
  readonly messages: Msg[] = [];
  readonly attempts: Attempt[] = [];
  private next = 0;

  constructor(
    private readonly poster: LeanHttpClient,
    private readonly tokens: string[],
    private readonly idPrefix: string,
  ) {}

  /** Runs a phase from `startAt` (this process's clock; now if absent). */
  async run(
    phase: string,
    rate: number,
    count: number,
    retrying: boolean,
    startAt = performance.now(),
  ): Promise<{ t0: number; loop: PhaseLoop }> {
    const wait = startAt - performance.now();
    if (wait > 0) await sleep(wait);
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    if (count > 0) await openLoop(rate, count, () => this.post(phase, retrying));
    const cpu = process.cpuUsage(cpu0);
    loop.disable();
    return {
      t0,
      loop: { p99: loop.percentile(99) / 1e6, max: loop.max / 1e6, cpuMs: (cpu.user + cpu.system) / 1000 },
    };
  }

  /** `n` requests at once to a route that does nothing: each on a connection of its own, then idle. */
  warm(n: number): Promise<Warmed> {
    return this.poster.warm(n);
  }

  settled(phase?: string): boolean {
    return this.messages.every((m) => m.settled || (phase !== undefined && m.phase !== phase));
  }

  private post(phase: string, retrying: boolean): void {
    const index = this.messages.length;
    const msg: Msg = {
      id: `${this.idPrefix}${phase}-${index}`,
      phase,
      attempts: 0,
      lastStatus: 0,
      settled: false,
    };
    this.messages.push(msg);
    const token = this.tokens[this.next++ % this.tokens.length];
    const firstAt = performance.now();
    const tryOnce = (): void => {
      msg.attempts++;
      const sentAt = performance.now();
      let socketAt: number | undefined;
      let connectedAt: number | undefined;
      const onSocket = (socket: NetSocket) => {
        socketAt = performance.now();
        if (!socket.connecting) connectedAt = socketAt;
        else socket.once('connect', () => (connectedAt = performance.now()));
      };
      const record = (status: number, retryAfterMs: number | undefined, errorMessage?: string) => {
        this.attempts.push({
          queuedMs: socketAt === undefined ? undefined : socketAt - sentAt,
          connectingMs:
            socketAt === undefined || connectedAt === undefined ? undefined : connectedAt - socketAt,
          phase,
          message: index,
          attempt: msg.attempts,
          sentAt,
          latencyMs: performance.now() - sentAt,
          status,
          ...(status === 503 ? { refusal: refusalKind(errorMessage) } : {}),
        });
        msg.lastStatus = status;
        const again =
          retrying &&
          !abort.requested &&
          (status === 503 || status === -1) &&
          msg.attempts < MAX_ATTEMPTS &&
          performance.now() - firstAt < GIVE_UP_MS;
        if (!again) {
          msg.settled = true;
          return;
        }
        setTimeout(tryOnce, backoffDelay(msg.attempts, Math.random, DEFAULT_BACKOFF, retryAfterMs));
      };
      this.poster
        .request(
          'POST',
          '/v1/visitor/messages',
          { text: `overload ${msg.id}`, clientMessageId: msg.id },
          token,
          GIVE_UP_MS,
          onSocket,
          // As the SDK does: the gateway serves new messages before retries (REQUEST_RETRY_QUEUE_TARGET_MS).
          msg.attempts > 1 ? { 'X-Attempt': String(msg.attempts) } : {},
        )
        .then(
          (r) => {
            const body = r.body as { error?: { message?: string } } | null;
            record(r.status, parseRetryAfter(r.headers['retry-after'], Date.now()), body?.error?.message);
          },
          () => record(-1, undefined),
        );
    };
    tryOnce();
  }
}

/** The clients in the bench's own process, as before session 55. */
export function inProcessClients(port: number, tokens: string[], idPrefix: string): ClientFleet {
  const poster = new LeanHttpClient('127.0.0.1', port, MAX_SOCKETS);
  const clients = new Clients(poster, tokens, idPrefix);
  return {
    described: "the visitors' clients in the bench's own process",
    run: (phase, rate, count, retrying) => clients.run(phase, rate, count, retrying),
    warm: (connections) => clients.warm(connections),
    settled: (timeoutMs, phase) => waitUntil(() => clients.settled(phase), timeoutMs),
    record: async () => ({ messages: clients.messages, attempts: clients.attempts }),
    stop: () => poster.close(),
  };
}

interface ChildPlan {
  port: number;
  tokens: string[];
  idPrefix: string;
  /** The nice value of the child's threads (the bench's load generator's). */
  nice: number;
}

type Command =
  | {
      type: 'run';
      id: number;
      phase: string;
      rate: number;
      count: number;
      retrying: boolean;
      startAtWall: number;
    }
  | { type: 'warm'; id: number; connections: number }
  | { type: 'settled'; id: number; phase?: string; timeoutMs: number }
  | { type: 'record'; id: number }
  // The bench was interrupted (SIGINT, SIGTERM): the phase's loop and waits end early, as its own do.
  | { type: 'abort'; id: number };

type Reply =
  | { type: 'ready'; niceRefused?: string }
  | { type: 'done'; id: number; t0Wall: number; loop: PhaseLoop }
  | { type: 'warm'; id: number; warmed: Warmed }
  | { type: 'settled'; id: number; settled: boolean }
  | { type: 'record'; id: number; record: Sent };

const wallOf = (t: number) => performance.timeOrigin + t;
const localOf = (wall: number) => wall - performance.timeOrigin;

/** Each phase starts this long after it is asked for, so that every process has heard of it by then. */
const START_MARGIN_MS = 50;

/**
 * The clients in `processes` processes of their own, each with every `processes`-th visitor, an equal
 * share of each phase's messages and rate, and its sends offset so that together they keep the
 * schedule of one. Their threads take the load generator's nice value (`nice`).
 */
export async function forkClients(
  processes: number,
  port: number,
  tokens: string[],
  idPrefix: string,
  nice: number,
): Promise<ClientFleet> {
  const children = await Promise.all(
    Array.from({ length: processes }, (_, k) =>
      startChild({
        port,
        tokens: tokens.filter((_, i) => i % processes === k),
        idPrefix: `${idPrefix}p${k}-`,
        nice,
      }),
    ),
  );
  const refused = children.map((c) => c.niceRefused).find((r) => r !== undefined);
  // A signal reaches the bench alone (`kill`, a supervisor's SIGTERM): its clients hear it from it.
  const interrupted = () => children.forEach((c) => c.abort());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, interrupted);
  const fleet: ClientFleet = {
    described: `the visitors' clients in ${processes} processes of their own at nice ${refused ? `0 (${nice} refused: ${refused})` : nice}`,
    run: async (phase, rate, count, retrying) => {
      const startAt = performance.now() + START_MARGIN_MS;
      const done = await Promise.all(
        children.map((c, k) => {
          // Message i of the phase goes to process i mod N: process k sends messages k, k+N, …
          const share = Math.floor(count / processes) + (k < count % processes ? 1 : 0);
          return c.ask<Extract<Reply, { type: 'done' }>>({
            type: 'run',
            phase,
            rate: rate / processes,
            count: share,
            retrying,
            startAtWall: wallOf(startAt + (k * 1000) / rate),
          });
        }),
      );
      return {
        t0: Math.min(...done.map((d) => localOf(d.t0Wall))),
        loop: {
          p99: Math.max(...done.map((d) => d.loop.p99)),
          max: Math.max(...done.map((d) => d.loop.max)),
          cpuMs: done.reduce((sum, d) => sum + d.loop.cpuMs, 0),
        },
      };
    },
    warm: async (connections) =>
      (
        await Promise.all(
          children.map((c, k) =>
            c.ask<Extract<Reply, { type: 'warm' }>>({
              type: 'warm',
              connections: Math.floor(connections / processes) + (k < connections % processes ? 1 : 0),
            }),
          ),
        )
      ).reduce<Warmed>(
        (all, { warmed }) => {
          for (const [what, n] of Object.entries(warmed.failed))
            all.failed[what] = (all.failed[what] ?? 0) + n;
          return { open: all.open + warmed.open, failed: all.failed };
        },
        { open: 0, failed: {} },
      ),
    settled: async (timeoutMs, phase) =>
      (
        await Promise.all(
          children.map((c) =>
            c.ask<Extract<Reply, { type: 'settled' }>>({ type: 'settled', phase, timeoutMs }),
          ),
        )
      ).every((r) => r.settled),
    record: async () => {
      const parts = await Promise.all(
        children.map((c) => c.ask<Extract<Reply, { type: 'record' }>>({ type: 'record' })),
      );
      const messages: Msg[] = [];
      const attempts: Attempt[] = [];
      for (const { record } of parts) {
        const offset = messages.length;
        messages.push(...record.messages);
        for (const a of record.attempts)
          attempts.push({ ...a, message: a.message + offset, sentAt: localOf(a.sentAt) });
      }
      return { messages, attempts };
    },
    stop: () => {
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.off(signal, interrupted);
      children.forEach((c) => c.stop());
    },
  };
  return fleet;
}

interface Child {
  niceRefused?: string;
  ask<R extends Reply>(command: DistributiveOmit<Command, 'id'>): Promise<R>;
  abort(): void;
  stop(): void;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

async function startChild(plan: ChildPlan): Promise<Child> {
  const child = fork(__filename, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let ended: Error | undefined;
  const ready = new Promise<Extract<Reply, { type: 'ready' }>>((resolve, reject) => {
    child.on('message', (m: Reply) => {
      if (m.type === 'ready') return resolve(m);
      const w = waiting.get(m.id);
      waiting.delete(m.id);
      w?.resolve(m);
    });
    child.once('error', reject);
    child.once('close', (code, signal) => {
      ended = new Error(`a client process ended (code ${code}, signal ${signal})`);
      reject(ended);
      for (const w of waiting.values()) w.reject(ended);
      waiting.clear();
    });
  });
  child.send(plan);
  const { niceRefused } = await ready;
  return {
    niceRefused,
    ask: <R extends Reply>(command: DistributiveOmit<Command, 'id'>) =>
      new Promise<R>((resolve, reject) => {
        if (ended) return reject(ended);
        const id = nextId++;
        waiting.set(id, { resolve: resolve as (r: Reply) => void, reject });
        child.send({ ...command, id });
      }),
    abort: () => {
      if (!ended && child.connected) child.send({ type: 'abort', id: nextId++ } satisfies Command);
    },
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill();
    },
  };
}

/** A client process: its plan first, then commands, each answered with its id. */
function serveChild(plan: ChildPlan): void {
  const niceRefused = trySetProcessNice(plan.nice);
  const poster = new LeanHttpClient('127.0.0.1', plan.port, MAX_SOCKETS);
  const clients = new Clients(poster, plan.tokens, plan.idPrefix);
  const reply = (r: Reply) => process.send!(r);
  process.on('message', (c: Command) => {
    const failed = (err: Error) => {
      process.stderr.write(`client process: ${err.stack ?? err.message}\n`);
      process.exit(1);
    };
    if (c.type === 'abort') {
      abort.requested = true;
    } else if (c.type === 'run') {
      clients
        .run(c.phase, c.rate, c.count, c.retrying, localOf(c.startAtWall))
        .then(({ t0, loop }) => reply({ type: 'done', id: c.id, t0Wall: wallOf(t0), loop }), failed);
    } else if (c.type === 'warm') {
      clients.warm(c.connections).then((warmed) => reply({ type: 'warm', id: c.id, warmed }), failed);
    } else if (c.type === 'settled') {
      waitUntil(() => clients.settled(c.phase), c.timeoutMs).then(
        (settled) => reply({ type: 'settled', id: c.id, settled }),
        failed,
      );
    } else {
      const attempts = clients.attempts.map((a) => ({ ...a, sentAt: wallOf(a.sentAt) }));
      reply({ type: 'record', id: c.id, record: { messages: clients.messages, attempts } });
    }
  });
  reply({ type: 'ready', niceRefused });
}

if (require.main === module) {
  // Ends with the bench: a parent that is gone closes the channel.
  process.once('disconnect', () => process.exit(1));
  // Ctrl-C reaches the whole process group: this process ends its phase early, as the bench does,
  // and leaves when the bench stops it (its SIGTERM).
  process.on('SIGINT', () => (abort.requested = true));
  process.once('message', (plan: ChildPlan) => serveChild(plan));
}
