import { Admin, Kafka } from 'kafkajs';
import type { KafkaEnv } from '../config';
import { kafkaClientConfig, prefixed } from './kafka-options';

/** Where each partition of a topic ends (next offset to be written) and starts (oldest kept). */
export interface PartitionEnds {
  partition: number;
  high: bigint;
  low: bigint;
}

/**
 * True when the group's committed offsets reach `targets` on every partition: everything the topic
 * held when `targets` were read has been processed. A partition with nothing to read counts as reached.
 */
export function hasReached(targets: PartitionEnds[], committed: Map<number, bigint>): boolean {
  return targets.every((t) => t.high <= t.low || (committed.get(t.partition) ?? -1n) >= t.high);
}

/** Reads a topic's ends and a consumer group's committed offsets (logical names; the run's prefix applied). */
export class ConsumerProgress {
  private admin: Admin | null = null;

  constructor(
    private readonly env: KafkaEnv,
    private readonly groupId: string,
    private readonly topic: string,
  ) {}

  async ends(): Promise<PartitionEnds[]> {
    const offsets = await (await this.connected()).fetchTopicOffsets(prefixed(this.env, this.topic));
    return offsets.map((o) => ({ partition: o.partition, high: BigInt(o.high), low: BigInt(o.low) }));
  }

  async committed(): Promise<Map<number, bigint>> {
    const [entry] = await (
      await this.connected()
    ).fetchOffsets({ groupId: prefixed(this.env, this.groupId), topics: [prefixed(this.env, this.topic)] });
    return new Map((entry?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = null;
    await admin?.disconnect();
  }

  private async connected(): Promise<Admin> {
    if (!this.admin) {
      const admin = new Kafka(kafkaClientConfig(this.env, `${this.groupId}-progress`)).admin();
      await admin.connect();
      this.admin = admin;
    }
    return this.admin;
  }
}
