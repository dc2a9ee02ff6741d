import { constants, performance, PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';
import type { Consumer } from 'kafkajs';
import { rootLogger } from '../logging/logger';

/**
 * A per-interval trace of what a process's pipeline does: each consumer's fetches (how long the broker
 * took to answer, how long the fetch's batches took to apply before the next fetch was asked for), each
 * counted stage (batch transactions, produce requests, garbage collections), a few sampled values (a
 * pool's sessions) and the event loop's busy share. One log line (`context: trace`) per interval; off
 * unless PIPELINE_TRACE_MS is set (ops-env.ts, read at boot).
 *
 * Made for the question Prometheus's scrapes are too coarse for: in a few seconds of a load step, which
 * stage waits for which (docs/operations.md, "Reading a stall").
 */

/** Counts and times of one stage within an interval. */
export interface Tally {
  n: number;
  items: number;
  ms: number;
  maxMs: number;
}

const emptyTally = (): Tally => ({ n: 0, items: 0, ms: 0, maxMs: 0 });

/** One interval: the event loop's busy share, each stage's tally, each sampled value. */
export interface TraceLine {
  elu: number;
  stages: Record<string, Tally>;
  sampled: Record<string, Record<string, number>>;
}

/** V8's collection kinds, by the `detail.kind` of a `gc` performance entry. */
const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'gc.minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'gc.major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'gc.incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'gc.weakcb',
};

export class PipelineTrace {
  private tallies = new Map<string, Tally>();
  private readonly samples = new Map<string, () => Record<string, number>>();
  private elu = performance.eventLoopUtilization();
  private timer: NodeJS.Timeout | null = null;
  private gc: PerformanceObserver | null = null;

  /**
   * @param sink where each interval's line goes (the process's log, `context: trace`).
   * @param now the clock the consumers' cycles are timed on.
   */
  constructor(
    private readonly intervalMs: number,
    private readonly sink: (line: TraceLine) => void = (line) =>
      rootLogger().info({ context: 'trace', ...line }, 'trace'),
    private readonly now: () => number = Date.now,
  ) {}

  /** One occurrence of `stage` that handled `items` in `ms`. */
  add(stage: string, items: number, ms: number): void {
    let t = this.tallies.get(stage);
    if (!t) this.tallies.set(stage, (t = emptyTally()));
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
   * A consumer's fetch cycle: `<name>.fetch` is the broker's answer (with its decoding; an idle
   * consumer's is the broker's whole wait for data), `<name>.apply` the time from that answer to the
   * next fetch from the same broker (kafkajs asks it again only once every batch of the last fetch is
   * applied; wall time, other work on the loop included), `<name>.batch` each partition's batch.
   * `<name>.lag` is what its partitions held beyond their last batch when that batch was fetched.
   */
  watchConsumer(name: string, consumer: Pick<Consumer, 'on' | 'events'>): void {
    const e = consumer.events;
    // kafkajs runs one fetch loop per broker: each broker's cycle is timed on its own.
    const answered = new Map<number, number>();
    const lag = new Map<string, number>();
    this.sample(`${name}.lag`, () => {
      let messages = 0;
      for (const v of lag.values()) messages += v;
      return { messages };
    });
    consumer.on(e.FETCH_START, ({ payload }) => {
      const at = answered.get(payload.nodeId);
      if (at !== undefined) this.add(`${name}.apply`, 0, this.now() - at);
      answered.delete(payload.nodeId);
    });
    consumer.on(e.FETCH, ({ payload }) => {
      answered.set(payload.nodeId, this.now());
      this.add(`${name}.fetch`, 0, payload.duration);
    });
    consumer.on(e.END_BATCH_PROCESS, ({ payload }) => {
      this.add(`${name}.batch`, payload.batchSize, payload.duration);
      lag.set(`${payload.topic}|${payload.partition}`, Number(payload.offsetLag));
    });
    // A rebalance may take partitions away: only those of the new assignment count.
    consumer.on(e.GROUP_JOIN, () => lag.clear());
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.intervalMs).unref();
    this.gc = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
        this.add(GC_KINDS[kind ?? -1] ?? 'gc.other', 0, entry.duration);
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
    const now = performance.eventLoopUtilization();
    const elu = performance.eventLoopUtilization(now, this.elu);
    this.elu = now;
    const stages: Record<string, Tally> = {};
    for (const [name, t] of this.tallies) stages[name] = t;
    this.tallies = new Map();
    const sampled: Record<string, Record<string, number>> = {};
    for (const [name, read] of this.samples) sampled[name] = read();
    return { elu: Math.round(elu.utilization * 1000) / 1000, stages, sampled };
  }

  /** A trace must never take its process down: a failing sampler or sink costs that line only. */
  private tick(): void {
    try {
      this.sink(this.line());
    } catch (err) {
      rootLogger().warn({ context: 'trace', err: String(err) }, 'trace line skipped');
    }
  }
}

let trace: PipelineTrace | null = null;

/**
 * Starts the process's trace, once, with PIPELINE_TRACE_MS as read and checked at boot (ops-env.ts,
 * bootService): 0 starts none. Several services in one process (the tests) share the first one.
 */
export function startPipelineTrace(intervalMs: number): void {
  if (trace || intervalMs <= 0) return;
  trace = new PipelineTrace(intervalMs);
  trace.start();
}

/** The process's trace, or null when none was started (the default). Reads no setting. */
export function pipelineTrace(): PipelineTrace | null {
  return trace;
}
