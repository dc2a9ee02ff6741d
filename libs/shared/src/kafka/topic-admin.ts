import { Admin, Kafka, logLevel } from 'kafkajs';
import type { KafkaEnv } from '../config';
import { ALL_TOPICS } from '../contracts';
import { kafkaClientConfig, kafkaTuning, prefixed } from './kafka-options';

export interface TopicsReport {
  /** Prefixed names of the topics this call created (empty when all existed). */
  created: string[];
  /** Prefixed names of every topic asked for. */
  topics: string[];
}

/**
 * The topics step, run once before the services start (scripts/start.js, the jest test setup, the
 * docker-compose `topics` service): creates the missing topics with their leaders, then waits until
 * the broker's group coordinator answers, so that the services' consumers join their groups at the
 * first try. Idempotent: a second run, or a concurrent one, finds everything there. New topics get
 * KAFKA_PARTITIONS partitions; existing topics are never grown here, since growing moves keys between
 * partitions (docs/architecture.md, "Batching and partitions", says how to grow them safely).
 */
export async function ensureTopics(
  env: KafkaEnv,
  topics: string[] = ALL_TOPICS,
  partitions = kafkaTuning().KAFKA_PARTITIONS,
): Promise<TopicsReport> {
  const names = topics.map((t) => prefixed(env, t));
  const created = await withAdmin(env, async (admin) => {
    const existing = new Set(await admin.listTopics());
    const missing = names.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      // kafkajs resolves when a concurrent run created them first (TOPIC_ALREADY_EXISTS).
      await admin.createTopics({
        waitForLeaders: false,
        topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
      });
    }
    return missing;
  });
  await quietly(env, 'every partition of the topics to have a leader', async (admin) => {
    const { topics: metadata } = await admin.fetchTopicMetadata({ topics: names });
    if (metadata.some((t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0))) {
      throw new Error('some partitions have no leader yet');
    }
  });
  // A leader in the metadata may still answer "not the leader for that topic-partition" for a moment
  // (a broker busy creating many topics at once): a producer's send then fails, and a request sent
  // through it waits for its deadline. Each partition answering for its offsets is what a client needs.
  await quietly(env, 'every partition of the topics to answer for its offsets', async (admin) => {
    await Promise.all(names.map((topic) => admin.fetchTopicOffsets(topic)));
  });
  await quietly(env, 'the group coordinator', (admin) =>
    admin.describeGroups([prefixed(env, 'pupitre-topics')]).then(() => undefined),
  );
  return { created, topics: names };
}

/**
 * Waits until `probe` succeeds. A broker under load answers a topic it has just created with
 * "does not host this topic-partition" for a moment (kafkajs' `waitForLeaders` retries only "leader
 * not available"), and on a fresh broker the first group request creates __consumer_offsets, whose
 * coordinator loads for a moment (kafkajs' consumers crash on that and log "Restarting the
 * consumer"). Those answers are what this waits through, not errors: this admin does not log them,
 * and the step fails with the last one if the broker never settles.
 */
async function quietly(
  env: KafkaEnv,
  what: string,
  probe: (admin: Admin) => Promise<void>,
  timeoutMs = 60000,
): Promise<void> {
  const config = { ...kafkaClientConfig(env, 'pupitre-admin'), logLevel: logLevel.NOTHING };
  const admin = new Kafka(config).admin();
  const deadline = Date.now() + timeoutMs;
  await admin.connect();
  try {
    for (;;) {
      try {
        return await probe(admin);
      } catch (err) {
        if (Date.now() > deadline) {
          throw new Error(`waited ${timeoutMs} ms for ${what}: ${(err as Error).message}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  } finally {
    await admin.disconnect();
  }
}

/**
 * For a service at boot: waits until its topics exist (the topics step creates them; a service never
 * does, so several never race). Warns once, naming what is missing and how to create it.
 */
export async function waitForTopics(
  env: KafkaEnv,
  warn: (message: string) => void,
  topics: string[] = ALL_TOPICS,
  intervalMs = 1000,
): Promise<void> {
  const names = topics.map((t) => prefixed(env, t));
  await withAdmin(env, async (admin) => {
    let warned = false;
    for (;;) {
      const existing = new Set(await admin.listTopics());
      const missing = names.filter((t) => !existing.has(t));
      if (missing.length === 0) return;
      if (!warned) {
        warn(
          `waiting for topics ${missing.join(', ')} on ${env.KAFKA_BROKERS.join(',')}: ` +
            'create them with `npm run topics` (npm start and docker compose do it)',
        );
        warned = true;
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  });
}

async function withAdmin<T>(env: KafkaEnv, use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Kafka(kafkaClientConfig(env, 'pupitre-admin')).admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect();
  }
}
