import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Latency buckets in seconds: from a fast cached answer to the request timeout and beyond. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** A value read at scrape time; labels are fixed, small sets (never ids). */
export type Collect<L extends string> = (
  set: (labels: Partial<Record<L, string>>, value: number) => void,
) => Promise<void> | void;

/**
 * One service's Prometheus registry (`GET /metrics`), with the metrics every service shares: the
 * process's default metrics and what the consumer loop does (dead letters, retries). Each service adds
 * its own through `gauge`/`counter`/`histogram`. Every metric is
 * labelled `service`; no label ever holds an id, so the number of series stays bounded.
 *
 * One registry per service instance, not prom-client's global one: the tests run several services in
 * one process, each with its own `/metrics`.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly deadLetters: Counter<'topic'>;
  readonly retries: Counter<'topic' | 'reason'>;

  constructor(readonly service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
    this.deadLetters = this.counter(
      'pupitre_dead_letters_total',
      'Messages given up on and written to <topic>.dlq, by original topic',
      ['topic'],
    );
    this.retries = this.counter(
      'pupitre_consumer_retries_total',
      'Failed attempts retried by the consumer (reason: transient = infrastructure, failed = the handler threw)',
      ['topic', 'reason'],
    );
  }

  counter<L extends string>(name: string, help: string, labelNames: L[]): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  histogram<L extends string>(name: string, help: string, labelNames: L[], buckets = LATENCY_BUCKETS) {
    return new Histogram<L>({ name, help, labelNames, buckets, registers: [this.registry] });
  }

  /** A gauge set at each scrape by `collect` (series it no longer sets are dropped). */
  gauge<L extends string>(name: string, help: string, labelNames: L[], collect: Collect<L>): Gauge<L> {
    return new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        const values: [Partial<Record<L, string>>, number][] = [];
        await collect((labels, value) => values.push([labels, value]));
        this.reset();
        for (const [labels, value] of values) this.set(labels, value);
      },
    });
  }

  /** The exposition text for `GET /metrics`. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
