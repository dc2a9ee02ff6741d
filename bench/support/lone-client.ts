/**
 * A lone client for bench/overload: a process of its own that posts visitor messages at a low rate
 * while the load generator floods the gateway, so that its figures are what a phone sees (a client
 * with its own CPU) rather than what the generator's busy event loop sees. No retries: each message
 * is tried once, and its answer is all there is. Beside them it asks the gateway's readiness as a load
 * balancer or a kubelet does: `GET /health/ready/self` on a new connection each time, closed after.
 *
 * `startLoneClient` forks this file and waits until the child is ready (started, its priority set),
 * so that neither Node's start nor the plan's transfer falls in the overload; `go()` starts the sends,
 * and `result` has every try once the last answer is in.
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { trySetProcessNice } from './cpu';
import { openLoop } from './open-loop';
import { probeOnce } from './probe';

export interface LonePlan {
  port: number;
  /** Visitor tokens, used in turn. */
  tokens: string[];
  rate: number;
  seconds: number;
  /** clientMessageId of try i: `${idPrefix}${i}`. */
  idPrefix: string;
  /** The nice value of the child's threads (its main thread sends and reads; -20 to 19). */
  nice: number;
  /** Readiness probes a second through the same seconds (0: none). */
  readinessRate: number;
  /** The port they go to: the gateway's, or its probes' own (HEALTH_PORT). */
  probePort: number;
}

/** A balancer's check of a gateway (docs/operations.md, Health endpoints). */
export const READINESS_PATH = '/health/ready/self';

export interface LoneProbe {
  /** -1: no answer (an error or the timeout). */
  status: number;
  latencyMs: number;
}

export interface LoneTry {
  clientMessageId: string;
  /** -1: no answer (an error or the timeout). */
  status: number;
  latencyMs: number;
  /** On a connection opened for it (none free in the pool): the wait includes the gateway's accept. */
  newConnection: boolean;
}

export interface LoneResult {
  tries: LoneTry[];
  probes: LoneProbe[];
  /** The child's own event-loop delay from its first send to its last answer, p99 in ms. */
  loopP99Ms: number;
  /** The nice value it runs at, and why not the one asked for, if it could not set it. */
  nice: number;
  niceRefused?: string;
}

export interface LoneClient {
  /** Starts the sends: the plan's rate for its seconds, from now. */
  go(): void;
  result: Promise<LoneResult>;
  /** Ends the child at once (the bench stopping early); harmless once it has ended. */
  stop(): void;
}

/** As long as the generator's clients wait for an answer: what a phone's SDK would wait. */
const TIMEOUT_MS = 60_000;

type ChildMessage = { type: 'ready' } | ({ type: 'result' } & LoneResult);

/** Forks the lone client and resolves once it is ready to send. */
export async function startLoneClient(plan: LonePlan): Promise<LoneClient> {
  const child = fork(__filename, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let received: LoneResult | undefined;
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  // Settled once the IPC channel is closed too ('close', not 'exit'): the result is read by then.
  const result = new Promise<LoneResult>((resolve, reject) => {
    child.on('message', (m: ChildMessage) => {
      if (m.type === 'ready') ready();
      if (m.type === 'result') {
        const { type: _, ...rest } = m;
        received = rest;
      }
    });
    child.once('error', reject);
    child.once('close', (code, signal) =>
      received
        ? resolve(received)
        : reject(new Error(`the lone client ended without a result (code ${code}, signal ${signal})`)),
    );
  });
  // Awaited by the bench later; never unhandled meanwhile (a child killed with the bench).
  result.catch(() => undefined);
  child.send(plan);
  await Promise.race([isReady, result]);
  return {
    go: () => child.send({ type: 'go' }),
    result,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill();
    },
  };
}

async function run(plan: LonePlan, started: Promise<void>): Promise<LoneResult> {
  const agent = new http.Agent({ keepAlive: true });
  await started;
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const [done, probes] = await Promise.all([
    paced(plan.rate, plan.seconds, (i) => post(plan, agent, i)),
    plan.readinessRate > 0 ? paced(plan.readinessRate, plan.seconds, () => probe(plan)) : [],
  ]);
  loop.disable();
  agent.destroy();
  return { tries: done, probes, loopP99Ms: loop.percentile(99) / 1e6, nice: os.getPriority(0) };
}

/** `rate` calls a second for `seconds`, on the bench's open-loop schedule; their results once all are in. */
async function paced<T>(rate: number, seconds: number, call: (i: number) => Promise<T>): Promise<T[]> {
  const calls: Promise<T>[] = [];
  await openLoop(rate, Math.max(1, Math.round(rate * seconds)), (i) => void calls.push(call(i)));
  return Promise.all(calls);
}

/** One readiness probe, as a kubelet sends it: a connection of its own, closed after the answer. */
function probe(plan: LonePlan): Promise<LoneProbe> {
  return probeOnce(plan.probePort, READINESS_PATH, TIMEOUT_MS);
}

function post(plan: LonePlan, agent: http.Agent, i: number): Promise<LoneTry> {
  const clientMessageId = `${plan.idPrefix}${i}`;
  const body = JSON.stringify({ text: `lone ${clientMessageId}`, clientMessageId });
  return new Promise((resolve) => {
    const sentAt = performance.now();
    let newConnection = false;
    const done = (status: number) =>
      resolve({ clientMessageId, status, latencyMs: performance.now() - sentAt, newConnection });
    const req = http.request(
      {
        host: '127.0.0.1',
        port: plan.port,
        method: 'POST',
        path: '/v1/visitor/messages',
        // No limit on connections, as phones each have theirs: no try waits for another's.
        agent,
        timeout: TIMEOUT_MS,
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(body),
          Authorization: `Bearer ${plan.tokens[i % plan.tokens.length]}`,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => done(res.statusCode ?? -1));
        res.on('error', () => done(-1));
      },
    );
    req.on('socket', () => (newConnection = !req.reusedSocket));
    req.on('timeout', () => req.destroy());
    req.on('error', () => done(-1));
    req.end(body);
  });
}

if (require.main === module) {
  // Ends with the bench: a parent that is gone closes the channel.
  process.once('disconnect', () => process.exit(1));
  process.once('message', (plan: LonePlan) => {
    const niceRefused = trySetProcessNice(plan.nice);
    let go!: () => void;
    const started = new Promise<void>((resolve) => (go = resolve));
    process.on('message', (m: { type?: string }) => {
      if (m.type === 'go') go();
    });
    process.send!({ type: 'ready' } satisfies ChildMessage);
    void run(plan, started).then(
      (result) =>
        process.send!({ type: 'result', ...result, niceRefused } satisfies ChildMessage, () =>
          process.exit(0),
        ),
      (err: Error) => {
        process.stderr.write(`lone client: ${err.stack ?? err.message}\n`);
        process.exit(1);
      },
    );
  });
}
