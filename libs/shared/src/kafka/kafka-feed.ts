import { Consumer, Kafka } from 'kafkajs';
import type { KafkaEnv } from '../config';
import { pipelineTrace } from '../ops/pipeline-trace';
import { leavePredecessors, noteOwnMember } from './group-takeover';
import { consumerConfig, kafkaClientConfig, kafkaTuning, prefixed } from './kafka-options';
import { ThrottledCommits } from './throttled-commits';

export interface KafkaFeedOptions {
  env: KafkaEnv;
  clientId: string;
  /** Its own consumer group (prefixed like every group), so nothing else shares its fetches. */
  groupId: string;
  /** The logical topic name; the run's prefix is applied here. */
  topic: string;
  fromBeginning: boolean;
  /** Called for each message's JSON value, in order; must not throw (it is not retried). */
  onValue(value: unknown): void;
  onMalformed?(raw: string): void;
}

/**
 * One topic read by its own consumer, outside Nest's: what must never wait behind another topic's
 * backlog (the gateway's replies, which shared a consumer with the desk fan-out). Each message's value
 * is handed over synchronously and its offset resolved; nothing is stored, so a restart reads on from
 * the group's position (or from the end for a new group).
 */
export class KafkaFeed {
  private readonly consumer: Consumer;
  private joined = false;
  private readonly commits = new ThrottledCommits({
    intervalMs: kafkaTuning().KAFKA_COMMIT_INTERVAL_MS,
    failed: () => undefined, // the next commit carries it; a restart reads a few replies again
  });

  constructor(private readonly o: KafkaFeedOptions) {
    this.consumer = new Kafka(kafkaClientConfig(o.env, o.clientId)).consumer(
      consumerConfig(o.env, o.groupId),
    );
  }

  /** Resolves once the consumer has joined its group and runs. */
  async start(): Promise<void> {
    const { consumer } = this;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.joined = true;
      noteOwnMember(payload.memberId);
    });
    consumer.on(consumer.events.CRASH, () => (this.joined = false));
    consumer.on(consumer.events.STOP, () => (this.joined = false));
    pipelineTrace()?.watchConsumer(`feed:${this.o.topic}`, consumer);
    // A killed predecessor's membership would hold the partitions for a session (docs/architecture.md,
    // Crashes and restarts); failing that, it expires.
    await leavePredecessors(this.o.env, this.o.groupId, this.o.clientId).catch(() => 0);
    await consumer.connect();
    await consumer.subscribe({
      topics: [prefixed(this.o.env, this.o.topic)],
      fromBeginning: this.o.fromBeginning,
    });
    // kafkajs' run resolves once the first join is done.
    await consumer.run({
      // Committed once a second (throttled-commits.ts), not after every batch as kafkajs would.
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async (payload) => {
        for (const message of payload.batch.messages) {
          this.deliver(message.value?.toString() ?? '');
          payload.resolveOffset(message.offset);
        }
        await this.commits.resolved(payload);
      },
    });
  }

  private deliver(raw: string): void {
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      this.o.onMalformed?.(raw);
      return;
    }
    this.o.onValue(value);
  }

  isConsuming(): boolean {
    return this.joined;
  }

  async stop(): Promise<void> {
    await this.commits.close();
    await this.consumer.disconnect();
  }
}
