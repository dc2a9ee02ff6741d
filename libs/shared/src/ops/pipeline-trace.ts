import { constants, performance, PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';
import type { Consumer } from 'kafkajs';
import { z } from 'zod';
import { envInt, parseEnv } from '../config';
import { rootLogger } from '../logging/logger';

/**
 * A per-interval trace of what a process's pipeline does: each consumer's fetches (how long the broker
 * took to answer, how long the fetch's batches took to apply before the next fetch was asked for), each
 * counted stage (the relay's sends), a few sampled values (a pool's sessions) and the event loop's busy
 * share. One log line (`context: trace`) per interval; off unless PIPELINE_TRACE_MS is set.
 *
 * Made for the question Prometheus's scrapes are too coarse for: in a few seconds of a load step, which
 * stage waits for which (docs/architecture.md, "What a visitor message costs").
 */
export const pipelineTraceSchema = z.object({
  /** One trace line every this many milliseconds (0: no trace). */
  PIPELINE_TRACE_MS: envInt(0, 0, 60_000),
});

/** Counts and times of one stage within an interval. */
export interface Tally {
  n: number;
  items: number;
  ms: number;
  maxMs: number;
}

const empty = (): Tally => ({ n: 0, items: 0, ms: 0, maxMs: 0 });

/** One interval: the event loop's busy share, each stage's tally, each sampled value. */
export interface TraceLine {
  elu: number;
  stages: Record<string, Tally>;
  sampled: Record<string, Record<string, number>>;
}

export class PipelineTrace {
  private tallies = new Map<string, Tally>();
  private readonly samples = new Map<string, () => Record<string, number>>();
  private readonly lags = new Map<string, Map<string, number>>();
  private elu = performance.eventLoopUtilization();
  private timer: NodeJS.Timeout | null = null;
  private gc: PerformanceObserver | null = null;

  /** @param sink where each interval's line goes (the process's log, `context: trace`). */
  constructor(
    private readonly intervalMs: number,
    private readonly sink: (line: TraceLine) => void = (line) =>
      rootLogger().info({ context: 'trace', ...line }, 'trace'),
  ) {}

  /** One occurrence of `stage` that handled `items` in `ms`. */
  add(stage: string, items: number, ms: number): void {
    let t = this.tallies.get(stage);
    if (!t) this.tallies.set(stage, (t = empty()));
    t.n += 1;
    t.items += items;
    t.ms += ms;
    if (ms > t.maxMs) t.maxMs = ms;
  }

  /** Values read at each line (a pool's sessions, say). */
  sample(name: string, read: () => Record<string, number>): void {
    this.samples.set(name, read);
  }

  /**
   * A consumer's fetch cycle: `<name>.fetch` is the broker's answer (with its decoding), `<name>.apply`
   * the time from that answer to the next fetch (kafkajs asks again only once every batch of the last
   * fetch is applied), `<name>.batch` each partition's batch; `<name>.lag` what its partitions had left
   * after their last batch.
   */
  watchConsumer(name: string, consumer: Pick<Consumer, 'on' | 'events'>): void {
    const e = consumer.events;
    let answered = 0;
    const lag = new Map<string, number>();
    this.lags.set(name, lag);
    consumer.on(e.FETCH_START, () => {
      if (answered > 0) this.add(`${name}.apply`, 0, Date.now() - answered);
      answered = 0;
    });
    consumer.on(e.FETCH, ({ payload }) => {
      answered = Date.now();
      this.add(`${name}.fetch`, 0, payload.duration);
    });
    consumer.on(e.END_BATCH_PROCESS, ({ payload }) => {
      this.add(`${name}.batch`, payload.batchSize, payload.duration);
      lag.set(`${payload.topic}|${payload.partition}`, Number(payload.offsetLag));
    });
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.sink(this.line()), this.intervalMs).unref();
    // Garbage collections as stages: `gc.minor` (scavenges) and `gc.major` (mark-compact and the rest).
    this.gc = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
        this.add(kind === constants.NODE_PERFORMANCE_GC_MINOR ? 'gc.minor' : 'gc.major', 0, entry.duration);
      }
    });
    this.gc.observe({ entryTypes: ['gc'] });
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.gc?.disconnect();
    this.gc = null;
  }

  /** What happened since the last line (and starts the next interval). */
  line(): TraceLine {
    const elu = performance.eventLoopUtilization(this.elu);
    this.elu = performance.eventLoopUtilization();
    const stages: Record<string, Tally> = {};
    for (const [name, t] of this.tallies) stages[name] = t;
    this.tallies = new Map();
    const sampled: Record<string, Record<string, number>> = {};
    for (const [name, read] of this.samples) sampled[name] = read();
    for (const [name, lag] of this.lags) {
      let messages = 0;
      for (const v of lag.values()) messages += v;
      sampled[`${name}.lag`] = { messages };
    }
    return { elu: Math.round(elu.utilization * 1000) / 1000, stages, sampled };
  }
}

let trace: PipelineTrace | null | undefined;

/** The process's trace, started at first use; null when PIPELINE_TRACE_MS is 0 (the default). */
export function pipelineTrace(): PipelineTrace | null {
  if (trace === undefined) {
    const { PIPELINE_TRACE_MS } = parseEnv(pipelineTraceSchema);
    trace = PIPELINE_TRACE_MS > 0 ? new PipelineTrace(PIPELINE_TRACE_MS) : null;
    trace?.start();
  }
  return trace;
}
