import { ConsumerConfig, KafkaConfig, logLevel, LogEntry, Partitioners, ProducerConfig } from 'kafkajs';
import type { KafkaEnv } from '../config';

/** The one place Kafka settings are built (client, producer, consumer). */
export function kafkaClientConfig(env: KafkaEnv, clientId: string): KafkaConfig {
  return {
    clientId,
    brokers: env.KAFKA_BROKERS,
    connectionTimeout: 3000,
    retry: { initialRetryTime: 100, retries: 10 },
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
    maxWaitTimeInMs: env.KAFKA_MAX_WAIT_MS,
    allowAutoTopicCreation: false,
    retry: { initialRetryTime: 100, retries: 10 },
  };
}

/** Topic and group names carry the run's prefix (empty in production) so test runs never meet. */
export function prefixed(env: Pick<KafkaEnv, 'KAFKA_TOPIC_PREFIX'>, name: string): string {
  return env.KAFKA_TOPIC_PREFIX + name;
}

export function unprefixed(env: Pick<KafkaEnv, 'KAFKA_TOPIC_PREFIX'>, name: string): string {
  const p = env.KAFKA_TOPIC_PREFIX;
  return p && name.startsWith(p) ? name.slice(p.length) : name;
}

function kafkaLog(clientId: string) {
  return ({ level, log }: LogEntry) => {
    const { message, error } = log as { message: string; error?: string };
    // Bounded retries are deliberate: the relay and consumers retry around the producer themselves.
    if (message.startsWith('Limiting retries for the idempotent producer')) return;
    // A fresh broker's coordinators load for a moment; kafkajs retries and succeeds.
    if (/coordinator is loading|coordinator is not available/i.test(`${message} ${error ?? ''}`)) return;
    if (level === logLevel.ERROR || level === logLevel.WARN) {
      const label = level === logLevel.ERROR ? 'ERROR' : 'WARN';
      process.stderr.write(`[kafka ${clientId}] ${label} ${message}${error ? `: ${error}` : ''}\n`);
    }
  };
}
