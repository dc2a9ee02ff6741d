/**
 * bench/http-client-cost — the load generator's CPU per POST with Node's `http.request` and `Agent`
 * (support/http.ts) against the lean client (support/lean-http.ts). Prints figures; not a test.
 *
 *   npm run bench:http-client-cost -- [--requests 20000] [--concurrency 50]
 *
 * A trivial server in a child process answers each POST like the gateway does (201, a small JSON
 * body, Content-Length); this process sends the same POST with a bearer token through each client,
 * `--concurrency` at a time, in the order node lean node lean, and prints the CPU it spent per request
 * (process.cpuUsage: user and system) and the wall time. Both clients keep their connections alive.
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { positiveOption } from './support/cli';
import { JsonClient } from './support/http';
import { LeanHttpClient } from './support/lean-http';

const TOKEN = `eyJhbGciOiJIUzI1NiJ9.${'x'.repeat(160)}.${'y'.repeat(43)}`;

function serve(): void {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const json = JSON.stringify({ id: crypto.randomUUID(), createdAt: new Date().toISOString() });
      res.writeHead(201, {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': json.length,
      });
      res.end(json);
    });
  });
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1', () => process.send?.((server.address() as AddressInfo).port));
}

type Client = Pick<LeanHttpClient, 'request' | 'close'>;

async function measure(client: Client, requests: number, concurrency: number) {
  let sent = 0;
  const body = { text: 'bench m1#12345', clientMessageId: 'run-m1-12345' };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (sent < requests) {
        sent++;
        const r = await client.request('POST', '/v1/visitor/messages', body, TOKEN, 30_000, () => undefined);
        if (r.status !== 201) throw new Error(`answer ${r.status}`);
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  return { cpuUsPerRequest: (cpu.user + cpu.system) / requests, wallMs: performance.now() - t0 };
}

async function main(): Promise<void> {
  if (process.argv[2] === '--serve') return serve();
  const requests = positiveOption('requests', 20_000, true);
  const concurrency = positiveOption('concurrency', 50, true);
  const server = fork(__filename, ['--serve']);
  try {
    const port = await new Promise<number>((resolve) => server.once('message', (p) => resolve(p as number)));
    const clients: Record<string, Client> = {
      node: new JsonClient('127.0.0.1', port, 5000),
      lean: new LeanHttpClient('127.0.0.1', port, 5000),
    };
    console.log(`${requests} POSTs per run, ${concurrency} at a time; node ${process.version}`);
    console.log('client  CPU per request  wall      requests/s');
    for (const name of ['node', 'lean', 'node', 'lean']) {
      const { cpuUsPerRequest, wallMs } = await measure(clients[name], requests, concurrency);
      console.log(
        `${name.padEnd(6)}  ${cpuUsPerRequest.toFixed(1).padStart(9)} µs  ${wallMs.toFixed(0).padStart(6)} ms  ${((requests / wallMs) * 1000).toFixed(0).padStart(10)}`,
      );
    }
    Object.values(clients).forEach((c) => c.close());
  } finally {
    server.kill();
  }
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exitCode = 1;
});
