/**
 * A lone client for bench/overload: a process of its own that posts visitor messages at a low rate
 * while the load generator floods the gateway, so that its figures are what a phone sees (a client
 * with its own CPU) rather than what the generator's busy event loop sees. No retries: each message
 * is tried once, and its answer is all there is.
 *
 * Started by `startLoneClient` (child_process.fork of this file); the parent sends the plan and gets
 * every try back when the last answer is in.
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

export interface LonePlan {
  port: number;
  /** Visitor tokens, used in turn. */
  tokens: string[];
  rate: number;
  seconds: number;
  /** clientMessageId of try i: `${idPrefix}${i}`. */
  idPrefix: string;
  /** This process's nice value (-20 to 19); a refusal is noted in `niceNote`. */
  nice: number;
}

export interface LoneTry {
  clientMessageId: string;
  /** -1: no answer (an error or the 30 s timeout). */
  status: number;
  latencyMs: number;
  /** On a connection opened for it (none free in the pool): the wait includes the gateway's accept. */
  newConnection: boolean;
}

export interface LoneResult {
  tries: LoneTry[];
  /** This process's own event-loop delay while it sent, p99 in ms: what its figures include. */
  loopP99Ms: number;
  niceNote: string;
}

const TIMEOUT_MS = 30_000;

/** Runs the lone client for `plan` in a process of its own; resolves with every try. */
export function startLoneClient(plan: LonePlan): Promise<LoneResult> {
  const child = fork(__filename, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (m: LoneResult) => resolve(m));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the lone client exited (code ${code})`)));
    child.send(plan);
  });
}

async function run(plan: LonePlan): Promise<LoneResult> {
  let niceNote = `nice ${plan.nice}`;
  try {
    os.setPriority(0, plan.nice);
  } catch (err) {
    niceNote = `nice ${os.getPriority(0)} (${plan.nice} refused: ${(err as Error).message})`;
  }
  // As many connections as tries in flight, as phones would each have theirs: none waits for another.
  const agent = new http.Agent({ keepAlive: true });
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const count = Math.max(1, Math.round(plan.rate * plan.seconds));
  const tries: Promise<LoneTry>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const due = t0 + (i * 1000) / plan.rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    tries.push(post(plan, agent, i));
  }
  loop.disable();
  const done = await Promise.all(tries);
  agent.destroy();
  return { tries: done, loopP99Ms: loop.percentile(99) / 1e6, niceNote };
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
    req.on('socket', (socket) => (newConnection = socket.connecting));
    req.on('timeout', () => req.destroy());
    req.on('error', () => done(-1));
    req.end(body);
  });
}

if (require.main === module) {
  process.once('message', (plan: LonePlan) => {
    void run(plan).then(
      (result) => process.send!(result, () => process.exit(0)),
      (err: Error) => {
        process.stderr.write(`lone client: ${err.stack ?? err.message}\n`);
        process.exit(1);
      },
    );
  });
}
