import type { DataSource } from 'typeorm';
import type { InboxObserver } from '../inbox/inbox';
import type { RequestObserver } from '../inbox/request-processor';
import { CachedCheck } from '../ops/cached-check';
import type { ServiceMetrics } from '../ops/service-metrics';
import type { OutboxRelay } from '../outbox/outbox-relay';

interface Backlog {
  rows: number;
  oldestSeconds: number;
}

/** Outbox figures are read at most this often, whatever the scrape rate. */
const BACKLOG_CACHE_MS = 2000;

/**
 * The messaging metrics of a service with a schema: what its inbox retries and dead-letters, how its
 * requests end and how long they take, what its relay publishes, and its outbox backlog.
 */
export class MessagingMetrics {
  readonly inbox: InboxObserver;
  readonly requests: RequestObserver;
  readonly published: (rows: { topic: string; type: string }[]) => void;

  constructor(private readonly metrics: ServiceMetrics) {
    this.inbox = {
      retried: (topic, reason) => metrics.retries.inc({ topic, reason }),
      deadLettered: (topic) => metrics.deadLetters.inc({ topic }),
    };
    const requestDuration = metrics.histogram(
      'pupitre_request_duration_seconds',
      'Requests served from <service>.requests, by operation and outcome (ok, refused, expired, invalid, error)',
      ['op', 'outcome'],
    );
    const requestsExpired = metrics.counter(
      'pupitre_requests_expired_total',
      'Requests dropped unapplied because their deadline had passed (overload)',
      [],
    );
    this.requests = (op, outcome, seconds) => {
      requestDuration.observe({ op, outcome }, seconds);
      if (outcome === 'expired') requestsExpired.inc();
    };
    const publishedTotal = metrics.counter(
      'pupitre_events_published_total',
      'Outbox rows published, by topic and event type (conversation.assigned: assignments)',
      ['topic', 'type'],
    );
    this.published = (rows) => {
      for (const r of rows) publishedTotal.inc({ topic: r.topic, type: r.type });
    };
  }

  /** Gauges read from the service's own tables and relay at scrape time (cached, bounded). */
  watch(dataSource: DataSource, relay: OutboxRelay): void {
    const backlog = new CachedCheck<Backlog | null>(
      async () => {
        const [row] = (await dataSource.query(
          `SELECT count(*)::int AS rows,
                  COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float AS "oldestSeconds"
             FROM outbox WHERE published_at IS NULL`,
        )) as Backlog[];
        return row;
      },
      () => null,
      BACKLOG_CACHE_MS,
      2000,
    );
    this.metrics.gauge('pupitre_outbox_backlog', 'Outbox rows not yet published', [], async (set) => {
      const b = await backlog.get();
      if (b) set({}, b.rows);
    });
    this.metrics.gauge(
      'pupitre_outbox_oldest_age_seconds',
      'Age of the oldest unpublished outbox row (0 when none waits)',
      [],
      async (set) => {
        const b = await backlog.get();
        if (b) set({}, b.oldestSeconds);
      },
    );
    this.metrics.gauge(
      'pupitre_outbox_parked',
      'Outbox rows parked since start: larger than the broker accepts, kept unpublished for an operator',
      [],
      (set) => set({}, relay.stats().parked),
    );
  }
}
