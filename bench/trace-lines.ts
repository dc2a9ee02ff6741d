/**
 * bench/trace-lines — the services' pipeline traces of a bench run, one line a second, side by side.
 * Prints figures; not a test.
 *
 *   PIPELINE_TRACE_MS=1000 node dist/bench/flow.js --keep-logs ...   (prints "service logs kept in DIR")
 *   node dist/bench/trace-lines.js DIR [--from 21:24:39] [--to 21:25:11] [--services gateway,routing]
 *
 * Reads the `context: "trace"` lines (libs/shared/src/ops/pipeline-trace.ts) of each `<service>.log`
 * in DIR and prints, for each second (UTC, HH:MM:SS) and each service that traced in it: its event
 * loop's busy share (`elu`), each batch transaction stage as `<applier> n/items/longest ms`
 * (`apply:RequestProcessor` → `RequestProcessor`), its major collections' ms (`gc`), its database
 * pool as `pool total/idle/waiting`, what its consumers' partitions held beyond their last batch
 * (`lag`), and, on the gateway, each service's requests in flight beside its bound (`conversation
 * 38/256`). A restarted service's lines are in the same file, after its predecessor's. One line a
 * second is PIPELINE_TRACE_MS=1000's; with a shorter interval, each second shows its last line.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TraceLine } from '../libs/shared/src/ops/pipeline-trace';
import { textOption as option } from './support/cli';

/** A trace line as the service's logger wrote it. */
type TraceEntry = Partial<TraceLine> & { time: string; context?: string };

/** One service's trace line, in a few words. */
function traceWords(e: TraceEntry): string {
  const words = [`elu ${(e.elu ?? 0).toFixed(2)}`];
  for (const [stage, t] of Object.entries(e.stages ?? {})) {
    if (stage.startsWith('apply:')) words.push(`${stage.slice(6)} ${t.n}/${t.items}/${Math.round(t.maxMs)}`);
  }
  const gc = e.stages?.['gc.major']?.ms ?? 0;
  if (gc > 0) words.push(`gc ${Math.round(gc)}`);
  const sampled = e.sampled ?? {};
  if (sampled.pool) words.push(`pool ${sampled.pool.total}/${sampled.pool.idle}/${sampled.pool.waiting}`);
  const lag = Object.entries(sampled)
    .filter(([name]) => name.endsWith('.lag'))
    .reduce((sum, [, v]) => sum + (v.messages ?? 0), 0);
  if (lag > 0) words.push(`lag ${lag}`);
  for (const [service, n] of Object.entries(sampled.inFlight ?? {})) {
    words.push(`${service} ${n}/${sampled.bound?.[service] ?? '?'}`);
  }
  return words.join(' ');
}

function main(): void {
  const dir = process.argv[2];
  if (!dir || dir.startsWith('--'))
    throw new Error('usage: trace-lines.js DIR [--from HH:MM:SS] [--to HH:MM:SS] [--services a,b]');
  const from = option('from') ?? '00:00:00';
  const to = option('to') ?? '99:99:99';
  const only = option('services')?.split(',');
  const services = readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .map((f) => f.slice(0, -'.log'.length))
    .filter((s) => !only || only.includes(s));
  /** second → service → its line. */
  const seconds = new Map<string, Map<string, string>>();
  for (const service of services) {
    for (const raw of readFileSync(join(dir, `${service}.log`), 'utf8').split('\n')) {
      if (!raw.includes('"context":"trace"')) continue;
      let e: TraceEntry;
      try {
        e = JSON.parse(raw) as TraceEntry;
      } catch {
        continue; // a line cut by the process's end
      }
      const second = e.time.slice(11, 19);
      if (e.context !== 'trace' || second < from || second > to) continue;
      if (!seconds.has(second)) seconds.set(second, new Map());
      seconds.get(second)!.set(service, traceWords(e));
    }
  }
  for (const second of [...seconds.keys()].sort()) {
    const line = [...seconds.get(second)!].map(([service, words]) => `${service}: ${words}`);
    process.stdout.write(`${second} | ${line.join(' | ')}\n`);
  }
}

main();
