import type { DataSource } from 'typeorm';
import type { KafkaServer } from '../kafka/kafka-server';
import { CachedCheck } from './cached-check';
import type { KafkaProbe, TopicLag } from './kafka-probe';
import { consumerLiveness, Liveness } from './liveness';
import type { OpsEnv } from './ops-env';
import type { ServiceMetrics } from './service-metrics';

export type CheckState = 'up' | 'down';

export interface ServiceReadiness {
  ready: boolean;
  checks: Record<string, CheckState>;
  reasons: string[];
}

type Outcome = { ok: true } | { ok: false; reason: string };

/** How long lag figures are reused: a scrape every few seconds costs at most one round of admin calls. */
const LAG_CACHE_MS = 5000;

/**
 * Liveness and readiness of one service instance, and its consumer-lag metric.
 * - live: the consumer loop has not died and shows progress (liveness.ts). Nothing outside the process.
 * - ready: live, its consumer is in its group, its own database (if it has one) answers `SELECT 1` and
 *   the broker answers a metadata request. Those two are cached (READINESS_CACHE_MS) and bounded
 *   (READINESS_TIMEOUT_MS), so probes cost at most one query of each per second, however many come.
 */
export class ServiceHealth {
  private readonly database: CachedCheck<Outcome> | null;
  private readonly broker: CachedCheck<Outcome>;
  private readonly lag: CachedCheck<TopicLag[] | null>;

  constructor(
    private readonly server: KafkaServer,
    probe: KafkaProbe,
    metrics: ServiceMetrics,
    private readonly env: OpsEnv,
    dataSource: DataSource | null,
  ) {
    const bounded = (fn: () => Promise<unknown>) =>
      new CachedCheck<Outcome>(
        () => fn().then(() => ({ ok: true })),
        (err) => ({ ok: false, reason: err.message }),
        env.READINESS_CACHE_MS,
        env.READINESS_TIMEOUT_MS,
      );
    this.database = dataSource ? bounded(() => dataSource.query('SELECT 1')) : null;
    this.broker = bounded(() => probe.reachable());
    this.lag = new CachedCheck(
      () => probe.lag(server.group(), server.topics()),
      () => null,
      LAG_CACHE_MS,
      env.READINESS_TIMEOUT_MS,
    );
    // The group's label is the service: a gateway's group is per instance, which would grow the series.
    metrics.gauge(
      'pupitre_consumer_lag',
      'Messages of a topic not yet committed by the consumer group (end offsets minus committed offsets)',
      ['group', 'topic'],
      async (set) => {
        for (const l of (await this.lag.get()) ?? []) set({ group: metrics.service, topic: l.topic }, l.lag);
      },
    );
    metrics.gauge(
      'pupitre_consumer_live',
      '1 while /health/live is 200 (the consumer loop is alive)',
      [],
      (set) => set({}, this.live().live ? 1 : 0),
    );
    metrics.gauge('pupitre_consumer_in_group', '1 while the consumer is in its group', [], (set) =>
      set({}, server.isConsuming() ? 1 : 0),
    );
  }

  live(now = Date.now()): Liveness {
    return consumerLiveness(this.server.loop, now, this.env.LIVENESS_MAX_STALL_MS);
  }

  async ready(): Promise<ServiceReadiness> {
    const live = this.live();
    const [database, broker] = await Promise.all([this.database?.get() ?? null, this.broker.get()]);
    const checks: Record<string, CheckState> = {
      consumer: live.live && this.server.isConsuming() ? 'up' : 'down',
      broker: broker.ok ? 'up' : 'down',
    };
    const reasons: string[] = [];
    if (!live.live) reasons.push(`consumer: ${live.reason}`);
    else if (!this.server.isConsuming()) reasons.push('consumer: not in its group');
    if (!broker.ok) reasons.push(`broker: ${broker.reason}`);
    if (database) {
      checks.database = database.ok ? 'up' : 'down';
      if (!database.ok) reasons.push(`database: ${database.reason}`);
    }
    return { ready: reasons.length === 0, checks, reasons };
  }
}
