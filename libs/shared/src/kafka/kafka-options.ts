import { ConsumerConfig, KafkaConfig, logLevel, LogEntry, Partitioners, ProducerConfig } from 'kafkajs';
import { z } from 'zod';
import { envInt, KafkaEnv, parseEnv } from '../config';
import { rootLogger } from '../logging/logger';
import { useGzipCodec } from './gzip-codec';

/**
 * Batching and partitioning settings (README, "Configuration"). Read from the environment where the
 * Kafka machinery is built, with defaults that suit production; tests set none of them.
 */
export const kafkaTuningSchema = z.object({
  /** Sends made within this many milliseconds are cut together for the next produce request (0: cut at once). */
  KAFKA_LINGER_MS: envInt(2, 0, 1000),
  /** Partitions of each topic the topics step creates (existing topics keep theirs: docs/architecture.md). */
  KAFKA_PARTITIONS: envInt(6, 1, 1000),
  /**
   * Partitions a consumer applies at once (each in order, each batch in one transaction): every one a
   * service consumes (two topics × KAFKA_PARTITIONS), since kafkajs fetches again only once all the
   * batches of the last fetch are applied (docs/architecture.md, Partitions).
   */
  KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY: envInt(12, 1, 100),
  /** Uncompressed bytes per produce request (relay and linger); well under the broker's ~1 MB limit. */
  KAFKA_BATCH_MAX_BYTES: envInt(262144, 1024, 64 * 1024 * 1024),
  /**
   * A consumer commits its offsets at most this often (0: after every batch, as kafkajs does with
   * eachBatch whatever its own interval). A crash redelivers what was not committed; the inbox
   * applies it once.
   */
  KAFKA_COMMIT_INTERVAL_MS: envInt(1000, 0, 60_000),
});
export type KafkaTuning = z.infer<typeof kafkaTuningSchema>;

let tuning: KafkaTuning | null = null;
/** The settings above, read once per process. */
export function kafkaTuning(): KafkaTuning {
  tuning ??= parseEnv(kafkaTuningSchema);
  return tuning;
}

/** The one place Kafka settings are built (client, producer, consumer). */
export function kafkaClientConfig(env: KafkaEnv, clientId: string): KafkaConfig {
  useGzipCodec();
  return {
    clientId,
    brokers: env.KAFKA_BROKERS,
    connectionTimeout: 3000,
    retry: retryOptions(env),
    logLevel: logLevel.WARN,
    logCreator: () => kafkaLog(clientId),
  };
}

export function producerConfig(): ProducerConfig {
  return {
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  };
}

export function consumerConfig(env: KafkaEnv, groupId: string): ConsumerConfig {
  return {
    groupId: prefixed(env, groupId),
    sessionTimeout: env.KAFKA_SESSION_TIMEOUT_MS,
    heartbeatInterval: env.KAFKA_HEARTBEAT_INTERVAL_MS,
    rebalanceTimeout: env.KAFKA_REBALANCE_TIMEOUT_MS,
    maxWaitTimeInMs: env.KAFKA_MAX_WAIT_MS,
    allowAutoTopicCreation: false,
    retry: retryOptions(env),
  };
}

/**
 * Backoff from 100 ms doubling up to KAFKA_RETRY_MAX_MS (kafkajs' own cap is 30 s): a client back
 * from a broker restart reconnects within about a second of the broker's return, not up to 30 s later.
 * Sixty retries keep about a minute of patience before an error surfaces, as before the cap.
 */
function retryOptions(env: KafkaEnv) {
  return { initialRetryTime: 100, maxRetryTime: env.KAFKA_RETRY_MAX_MS, retries: 60 };
}

/** Topic and group names carry the run's prefix (empty in production) so test runs never meet. */
export function prefixed(env: Pick<KafkaEnv, 'KAFKA_TOPIC_PREFIX'>, name: string): string {
  return env.KAFKA_TOPIC_PREFIX + name;
}

export function unprefixed(env: Pick<KafkaEnv, 'KAFKA_TOPIC_PREFIX'>, name: string): string {
  const p = env.KAFKA_TOPIC_PREFIX;
  return p && name.startsWith(p) ? name.slice(p.length) : name;
}

/** kafkajs's own lines, into the process's logger (logging/logger.ts) as `context: kafkajs`. */
function kafkaLog(clientId: string) {
  return ({ level, log }: LogEntry) => {
    const { message, error } = log as { message: string; error?: string };
    // Bounded retries are deliberate: the relay and consumers retry around the producer themselves.
    if (message.startsWith('Limiting retries for the idempotent producer')) return;
    // A fresh broker's coordinators load for a moment; kafkajs retries and succeeds.
    if (/coordinator is loading|coordinator is not available/i.test(`${message} ${error ?? ''}`)) return;
    const fields = { context: 'kafkajs', clientId, ...(error ? { error } : {}) };
    if (level === logLevel.ERROR) rootLogger().error(fields, message);
    else if (level === logLevel.WARN) rootLogger().warn(fields, message);
    else if (level === logLevel.INFO) rootLogger().info(fields, message);
    else rootLogger().debug(fields, message);
  };
}
