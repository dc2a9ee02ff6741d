import { Kafka } from 'kafkajs';
import type { KafkaEnv } from '../config';
import { ALL_TOPICS } from '../contracts';
import { kafkaClientConfig, prefixed } from './kafka-options';

/** Creates the topics that do not exist yet (production brokers refuse auto-creation). */
export async function ensureTopics(
  env: KafkaEnv,
  topics: string[] = ALL_TOPICS,
  partitions = 3,
): Promise<void> {
  const admin = new Kafka(kafkaClientConfig(env, 'pupitre-admin')).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.map((t) => prefixed(env, t)).filter((t) => !existing.has(t));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
      });
    }
  } finally {
    await admin.disconnect();
  }
}
