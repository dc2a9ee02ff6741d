import { Admin, Kafka } from 'kafkajs';
import type { KafkaEnv } from '../config';
import { kafkaClientConfig, unprefixed } from '../kafka/kafka-options';

export interface TopicLag {
  topic: string;
  lag: number;
}

/**
 * One admin connection per service for what operators ask of the broker: is it reachable (readiness),
 * and how far behind the service's consumer group is (consumer-lag metric). Callers bound and cache
 * these (CachedCheck); a failed call drops the connection, the next one opens a new one.
 */
export class KafkaProbe {
  private admin: Admin | null = null;

  constructor(
    private readonly env: KafkaEnv,
    private readonly clientId: string,
  ) {}

  /** Resolves when the cluster answers a metadata request. */
  async reachable(): Promise<void> {
    await this.use((admin) => admin.describeCluster());
  }

  /**
   * Per topic, the messages the group has not committed yet: the sum over partitions of the end
   * offset minus the committed one (a partition never committed counts from its oldest kept offset).
   * `group` and `topics` as on the broker (prefixed); topics are labelled without the run's prefix.
   */
  async lag(group: string, topics: string[]): Promise<TopicLag[]> {
    if (topics.length === 0) return [];
    return this.use(async (admin) => {
      const [committed, allEnds] = await Promise.all([
        admin.fetchOffsets({ groupId: group, topics }),
        Promise.all(topics.map((t) => admin.fetchTopicOffsets(t))),
      ]);
      const lags: TopicLag[] = [];
      for (const [i, topic] of topics.entries()) {
        const ends = allEnds[i];
        const mine = new Map(
          (committed.find((c) => c.topic === topic)?.partitions ?? []).map((p) => [
            p.partition,
            Number(p.offset),
          ]),
        );
        let lag = 0;
        for (const end of ends) {
          const high = Number(end.high);
          const from = mine.get(end.partition) ?? -1;
          lag += Math.max(0, high - (from >= 0 ? from : Number(end.low)));
        }
        lags.push({ topic: unprefixed(this.env, topic), lag });
      }
      return lags;
    });
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = null;
    await admin?.disconnect().catch(() => undefined);
  }

  private async use<T>(fn: (admin: Admin) => Promise<T>): Promise<T> {
    try {
      if (!this.admin) {
        // A few quick retries (kafkajs refreshes its metadata through them); callers bound the time.
        const config = kafkaClientConfig(this.env, `${this.clientId}-ops`);
        const admin = new Kafka({ ...config, retry: { initialRetryTime: 100, retries: 3 } }).admin();
        this.admin = admin;
        await admin.connect();
      }
      return await fn(this.admin);
    } catch (err) {
      await this.close();
      throw err;
    }
  }
}
