/**
 * The back-end services' liveness as a kubelet sees it while another bench loads the system: each
 * service's `GET /health/live` on its OPS_PORT (the defaults: routing 3101, conversation 3102, billing
 * 3103), `--rate` probes a second each, on a new connection each, for `--seconds`. Prints, per
 * service, the answers by status (-1: no answer: not listening yet, or the 5-s timeout), p50, p99,
 * max, how many took over a second (a kubelet's default timeout), and the five worst seconds.
 *
 *   node dist/bench/ops-probes.js --seconds 125 &   # started with the other bench
 *   node dist/bench/overload.js --no-build --rate 800
 *
 * Session 59 ran it beside two `bench/overload --rate 800` runs: p99 48-79 ms, max 154-380 ms, none over 1 s
 * (bench/results/overload-s800-session59-health-port-*), so the back ends' ops servers, which answer
 * on their main thread, need no thread of their own as the gateway's probes did (HEALTH_PORT).
 */
import { performance } from 'node:perf_hooks';
import { DEFAULT_OPS_PORTS } from '../libs/shared/src/ops/ops-env';
import { positiveOption } from './support/cli';
import { probeOnce } from './support/probe';
import { summarize } from './support/stats';

interface Probe {
  second: number;
  status: number;
  ms: number;
}

const TIMEOUT_MS = 5000;

async function probe(port: number, second: number): Promise<Probe> {
  const { status, latencyMs } = await probeOnce(port, '/health/live', TIMEOUT_MS);
  return { second, status, ms: latencyMs };
}

function describe(service: string, probes: Probe[]): string {
  const statuses = new Map<number, number>();
  for (const p of probes) statuses.set(p.status, (statuses.get(p.status) ?? 0) + 1);
  const answered = probes.filter((p) => p.status !== -1).map((p) => p.ms);
  const { p50, p99, max } = summarize(answered);
  const worst = new Map<number, number>();
  for (const p of probes) if (p.status !== -1) worst.set(p.second, Math.max(worst.get(p.second) ?? 0, p.ms));
  const worstSeconds = [...worst]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([s, ms]) => `${s}s:${ms.toFixed(0)}`);
  return (
    `${service} /health/live: ${probes.length} probes, ` +
    [...statuses].map(([s, n]) => `${s === -1 ? 'no answer' : s} ×${n}`).join(', ') +
    `; p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms; over 1 s: ${answered.filter((ms) => ms > 1000).length}; ` +
    `worst seconds ${worstSeconds.join(' ')}`
  );
}

async function main(): Promise<void> {
  const seconds = positiveOption('seconds', 120);
  const rate = positiveOption('rate', 10);
  const probes = new Map<string, Promise<Probe>[]>(Object.keys(DEFAULT_OPS_PORTS).map((s) => [s, []]));
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const second = Math.floor((performance.now() - start) / 1000);
      if (second >= seconds) {
        clearInterval(timer);
        return resolve();
      }
      for (const [service, port] of Object.entries(DEFAULT_OPS_PORTS))
        probes.get(service)!.push(probe(port, second));
    }, 1000 / rate);
  });
  for (const [service, pending] of probes)
    process.stdout.write(`${describe(service, await Promise.all(pending))}\n`);
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
