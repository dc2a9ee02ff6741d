import { randomUUID } from 'node:crypto';
import { Kafka } from 'kafkajs';
import type { KafkaEnv } from '../config';
import { ALL_TOPICS, DeadLetter, deadLetterSchema } from '../contracts';
import { kafkaClientConfig, prefixed, unprefixed } from '../kafka/kafka-options';
import { KafkaProducer } from '../kafka/kafka-producer';
import { REPLAY_FOR_HEADER, REPLAYED_FROM_HEADER } from './replay-headers';

/** A dead letter as the operator sees it; `id` (`<topic>.dlq/<partition>/<offset>`) names it for show and replay. */
export interface StoredDeadLetter {
  id: string;
  topic: string;
  partition: number;
  offset: string;
  letter: DeadLetter;
}

const DLQ_SUFFIX = '.dlq';

/**
 * The operator's view of the `<topic>.dlq` topics (`npm run dlq`): lists the letters, shows why one
 * was given up on, and replays it to its original topic with its original key. A replayed event is
 * applied once: dead-lettering never marks a message processed, and the inbox drops a second replay.
 * A replay is meant for every consumer that dead-lettered that record (several groups may have, each
 * with its own letter), and for them only (REPLAY_FOR_HEADER): the others applied it the first time.
 */
export class DeadLetters {
  private readonly kafka: Kafka;

  /** `topics`: the dead-letter topics to read (logical names), by default every one the system has. */
  constructor(
    private readonly env: KafkaEnv,
    private readonly topics: string[] = ALL_TOPICS.filter((t) => t.endsWith(DLQ_SUFFIX)),
  ) {
    this.kafka = new Kafka(kafkaClientConfig(env, 'pupitre-dlq'));
  }

  /** Every letter of every `.dlq` topic of this prefix, oldest first per partition. */
  async list(): Promise<StoredDeadLetter[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    const ends = new Map<string, Map<number, bigint>>();
    try {
      const existing = new Set(await admin.listTopics());
      const topics = this.topics.map((t) => prefixed(this.env, t)).filter((t) => existing.has(t));
      for (const topic of topics) {
        for (const p of await admin.fetchTopicOffsets(topic)) {
          if (BigInt(p.high) > BigInt(p.low)) {
            if (!ends.has(topic)) ends.set(topic, new Map());
            ends.get(topic)!.set(p.partition, BigInt(p.high));
          }
        }
      }
    } finally {
      await admin.disconnect();
    }
    if (ends.size === 0) return [];
    return this.readUntil(ends);
  }

  async show(id: string): Promise<StoredDeadLetter | null> {
    return (await this.list()).find((l) => l.id === id) ?? null;
  }

  /**
   * Sends the original record (key and value as read) to its original topic, for every consumer
   * that dead-lettered it (`consumers`); throws on an unknown id.
   */
  async replay(id: string): Promise<StoredDeadLetter & { consumers: string[] }> {
    const all = await this.list();
    const stored = all.find((l) => l.id === id);
    if (!stored) throw new Error(`no dead letter ${id}`);
    const same = (l: DeadLetter) =>
      l.originalTopic === stored.letter.originalTopic &&
      l.partition === stored.letter.partition &&
      l.offset === stored.letter.offset;
    const consumers = [...new Set(all.filter((l) => same(l.letter)).map((l) => l.letter.consumerGroup))];
    const producer = new KafkaProducer(this.env, 'pupitre-dlq');
    try {
      await producer.send(stored.letter.originalTopic, [
        {
          key: stored.letter.key,
          value: stored.letter.value,
          headers: { [REPLAYED_FROM_HEADER]: id, [REPLAY_FOR_HEADER]: consumers.join(',') },
        },
      ]);
    } finally {
      await producer.disconnect();
    }
    return { ...stored, consumers };
  }

  /** Reads each partition from its start to the end seen by `list`, with a throwaway group (deleted after). */
  private async readUntil(ends: Map<string, Map<number, bigint>>): Promise<StoredDeadLetter[]> {
    const groupId = prefixed(this.env, `pupitre-dlq-tool-${randomUUID()}`);
    const consumer = this.kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 200 });
    const letters: StoredDeadLetter[] = [];
    let remaining = [...ends.values()].reduce((n, m) => n + m.size, 0);
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    await consumer.connect();
    try {
      for (const topic of ends.keys()) await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ topic, partition, message }) => {
          const end = ends.get(topic)?.get(partition);
          if (end === undefined || BigInt(message.offset) >= end) return;
          const name = unprefixed(this.env, topic);
          const parsed = deadLetterSchema.safeParse(safeJson(message.value?.toString() ?? ''));
          if (parsed.success) {
            letters.push({
              id: `${name}/${partition}/${message.offset}`,
              topic: name,
              partition,
              offset: message.offset,
              letter: parsed.data,
            });
          }
          if (BigInt(message.offset) + 1n === end && --remaining === 0) done();
        },
      });
      await finished;
    } finally {
      await consumer.disconnect();
      const admin = this.kafka.admin();
      await admin.connect();
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await admin.disconnect();
    }
    return letters;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
