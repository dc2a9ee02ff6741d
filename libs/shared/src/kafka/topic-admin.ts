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
        waitForLeaders: true,
        topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
      });
    }
    return missing;
  });
  await waitForGroupCoordinator(env);
  return { created, topics: names };
}

/**
 * On a fresh broker the first group request creates __consumer_offsets, and its coordinator loads for
 * a moment: kafkajs' consumers crash on that and log "Restarting the consumer". Waiting for it here,
 * once, lets every service's consumer join at the first try. The broker's "loading" and "not the
 * coordinator" answers are what this waits through, not errors: this admin does not log them, and
 * the step fails with the last one if the coordinator never answers.
 */
async function waitForGroupCoordinator(env: KafkaEnv, timeoutMs = 60000): Promise<void> {
  const config = { ...kafkaClientConfig(env, 'pupitre-admin'), logLevel: logLevel.NOTHING };
  const admin = new Kafka(config).admin();
  const deadline = Date.now() + timeoutMs;
  await admin.connect();
  try {
    for (;;) {
      try {
        await admin.describeGroups([prefixed(env, 'pupitre-topics')]);
        return;
      } catch (err) {
        if (Date.now() > deadline) {
          throw new Error(
            `the group coordinator did not answer in ${timeoutMs} ms: ${(err as Error).message}`,
          );
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
