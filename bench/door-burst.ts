/**
 * bench/door-burst — what a burst of new connections costs the gateway's door thread
 * (apps/gateway/src/http/door-thread.ts) while its door is shut, so that every visitor POST is
 * refused. Prints figures; not a test.
 *
 *   npm run bench:door-burst -- [--connections 800] [--rounds 3] [--fifo 0]
 *
 * Under bench/overload, with the door thread under SCHED_FIFO, a burst of 812 new connections took
 * half a second from the first established to the last answered, and the thread's own part (a
 * request's arrival to its answer) was 136 ms at p99 (issue 7's note, session 54). Here the thread
 * runs alone, in this process (started with --single-threaded-gc, as the gateway should be with the
 * door thread, so that its collections are its own CPU), in front of a stand-in for the main
 * thread's server that gets nothing. A
 * process, in front of a stand-in for the main thread's server that gets nothing. A child process
 * opens `--connections` connections at once; each sends one visitor POST as soon as it is connected,
 * reads its 503 and closes. Each round prints the thread's CPU per connection (its schedstat, the
 * closes included), the time from the first connect to the last answer, and the answers' p50 / p99
 * from each connect. The same-run floor: a bare Node HTTP server on a worker thread of its own that
 * answers every request 503 with the door's headers, on one listening socket. The door runs with the
 * gateway's 1,024 listening sockets (HTTP_ACCEPT_SOCKETS) and with one. Order: door, door with one
 * socket, floor, every round. `--fifo N` puts the door thread and the floor's under SCHED_FIFO at
 * priority N (HTTP_DOOR_THREAD_FIFO; as root or with CAP_SYS_NICE), ahead of the client, as the
 * gateway's is in docker-compose.yml; 0 (the default): every thread at nice 0.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { DoorState } from '../apps/gateway/src/http/door-state';
import { startDoorThread } from '../apps/gateway/src/http/door-thread';
import { setThreadFifo } from '../apps/gateway/src/http/thread-nice';
import { integerOption, positiveOption } from './support/cli';
import { threadNamed, threadSched } from './support/cpu';

const BODY = JSON.stringify({ text: 'bench m1#12345', clientMessageId: 'run-m1-12345' });
const REQUEST =
  `POST /v1/visitor/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n` +
  `Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.${'x'.repeat(160)}.${'y'.repeat(43)}\r\n` +
  `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(BODY)}\r\n\r\n${BODY}`;

interface Burst {
  /** From the first connect to the last answer. */
  wallMs: number;
  /** From each connect to its answer's first bytes, sorted. */
  latenciesMs: number[];
  failed: number;
}

/** The child: opens the connections at once, one POST each, and reports. */
function client(): void {
  process.on('message', (m: { port: number; connections: number }) => {
    const latencies: number[] = [];
    let failed = 0;
    let left = m.connections;
    const t0 = performance.now();
    const done = () => {
      if (--left > 0) return;
      latencies.sort((a, b) => a - b);
      process.send?.({ wallMs: performance.now() - t0, latenciesMs: latencies, failed } satisfies Burst);
    };
    for (let i = 0; i < m.connections; i++) {
      const started = performance.now();
      const socket = net.connect({ host: '127.0.0.1', port: m.port, noDelay: true }, () =>
        socket.write(REQUEST),
      );
      let answered = false;
      socket.once('data', (chunk: Buffer) => {
        answered = true;
        if (!chunk.toString('latin1').startsWith('HTTP/1.1 503')) failed++;
        latencies.push(performance.now() - started);
        socket.destroy();
        done();
      });
      socket.on('error', () => undefined);
      socket.once('close', () => {
        if (answered) return;
        failed++;
        done();
      });
    }
  });
  process.send?.('ready');
}

/** ns a thread of this process has run (Linux schedstat, support/cpu.ts), by its name. */
function threadRanNs(name: string): number {
  const tid = threadNamed(process.pid, name);
  const sched = tid === undefined ? null : threadSched(process.pid, tid);
  if (!sched) throw new Error(`no thread named ${name} with scheduler counters`);
  return sched.runNs;
}

/** A burst's answer, or a failure if the child ends or the burst takes more than a minute. */
const BURST_TIMEOUT_MS = 60_000;

/** The floor: a bare HTTP server on a thread of its own, every request answered 503. */
function startFloor(fifo: number): Promise<{ port: number; stop: () => Promise<unknown> }> {
  const worker = new Worker(
    `
    const http = require('node:http');
    const { parentPort } = require('node:worker_threads');
    const json = JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'conversation is overloaded; try again later' } });
    const server = http.createServer({ noDelay: true }, (req, res) => {
      res.writeHead(503, {
        'Access-Control-Allow-Origin': '*',
        'Access-Control-Expose-Headers': 'Retry-After,X-Request-Id,X-Visitor-Token',
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': Buffer.byteLength(json),
        'Retry-After': '1',
        'X-Request-Id': crypto.randomUUID(),
      });
      res.end(json);
    });
    server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => parentPort.postMessage(server.address().port));
    `,
    { eval: true, name: 'bench-floor' },
  );
  return new Promise((resolve, reject) =>
    worker.once('message', (port: number) => {
      const stop = () => worker.terminate();
      // Its thread: the one named so (the door thread puts itself under SCHED_FIFO, as the gateway's).
      const tid = threadNamed(process.pid, 'bench-floor');
      try {
        if (fifo > 0 && tid !== undefined) setThreadFifo(tid, fifo);
      } catch (err) {
        // Without the privilege: no floor to compare with, rather than one at another priority.
        void stop();
        return reject(err as Error);
      }
      resolve({ port, stop });
    }),
  );
}

async function main(): Promise<void> {
  if (process.argv[2] === '--client') return client();
  const connections = positiveOption('connections', 800, true);
  const rounds = positiveOption('rounds', 3, true);
  const fifo = integerOption('fifo', 0, 0, 99);
  const child = fork(__filename, ['--client']);
  const childGone = new Promise<never>((_resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the client process ended (code ${code})`)));
  });
  childGone.catch(() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'door-burst-'));
  const standIn = http.createServer((_req, res) => res.end());
  // What is running, to be ended whatever happens.
  const running = new Set<() => Promise<unknown>>();
  try {
    await Promise.race([new Promise((resolve) => child.once('message', resolve)), childGone]);
    await new Promise<void>((resolve) => standIn.listen(join(dir, 'http.sock'), resolve));
    const burst = (port: number) => {
      let timer: NodeJS.Timeout | undefined;
      return Promise.race([
        new Promise<Burst>((resolve, reject) => {
          child.once('message', (b) => resolve(b as Burst));
          child.send({ port, connections });
          timer = setTimeout(() => reject(new Error('the burst took over a minute')), BURST_TIMEOUT_MS);
        }),
        childGone,
      ]).finally(() => clearTimeout(timer));
    };
    // What a round's figures are read from: a burst, then half a second for the closes to be served.
    const round = async (port: number, ranNs: () => number) => {
      const before = ranNs();
      const b = await burst(port);
      await new Promise((resolve) => setTimeout(resolve, 500));
      return { ...b, cpuUs: (ranNs() - before) / 1000 };
    };
    const state = new DoorState();
    state.publish({
      shut: true,
      reason: 'overloaded',
      bound: 0,
      retryAfterSeconds: 1,
      retryBound: 0,
      retriesShut: true,
    });
    console.log(
      `${connections} new connections at once, one visitor POST each, all refused; node ${process.version}, ` +
        `${rounds} rounds; the servers' threads ${fifo > 0 ? `under SCHED_FIFO ${fifo}` : 'at nice 0'}`,
    );
    console.log(
      'server                   CPU per connection  first connect → last answer  answer p50  answer p99  failed',
    );
    const print = (name: string, r: Burst & { cpuUs: number }) => {
      const at = (q: number) =>
        r.latenciesMs[Math.min(r.latenciesMs.length - 1, Math.floor(q * r.latenciesMs.length))];
      console.log(
        `${name.padEnd(23)}  ${(r.cpuUs / connections).toFixed(1).padStart(15)} µs  ${r.wallMs.toFixed(1).padStart(24)} ms  ` +
          `${at(0.5).toFixed(1).padStart(7)} ms  ${at(0.99).toFixed(1).padStart(7)} ms  ${String(r.failed).padStart(6)}`,
      );
    };
    for (let i = 0; i < rounds; i++) {
      for (const sockets of [1024, 1]) {
        const door = await startDoorThread(
          {
            socketPath: join(dir, 'http.sock'),
            port: 0,
            backlog: 4096,
            sockets,
            keepAliveTimeoutMs: 65_000,
            bodyLimitBytes: 16_384,
            nice: 0,
            fifo,
            secret: `bench-door-burst-${i}-${sockets}`,
            state: state.buffer,
            refusal: {
              messages: {
                overloaded: 'conversation is overloaded; try again later',
                'desks-behind': 'the desks are behind; try again later',
              },
              exposedHeaders: 'Retry-After,X-Request-Id,X-Visitor-Token',
            },
          },
          {
            serve: () => undefined,
            onRefusals: () => undefined,
            onWarning: (m) => console.warn(m),
            onFailure: (err) => console.error(err),
          },
        );
        const end = () => door.terminate();
        running.add(end);
        print(`door, ${door.sockets} socket(s)`, await round(door.port, () => threadRanNs('pupitre-door')));
        await door.stopAccepting();
        running.delete(end);
        await end();
      }
      const floor = await startFloor(fifo);
      running.add(floor.stop);
      print('floor (bare HTTP server)', await round(floor.port, () => threadRanNs('bench-floor')));
      running.delete(floor.stop);
      await floor.stop();
    }
  } finally {
    await Promise.allSettled([...running].map((end) => end()));
    child.kill();
    standIn.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
