import { CustomTransportStrategy, KafkaOptions, ServerKafka } from '@nestjs/microservices';
import type { Consumer } from 'kafkajs';
import type { KafkaEnv } from '../config';
import { consumerConfig, kafkaClientConfig, prefixed, producerConfig } from './kafka-options';

export interface KafkaServerOptions {
  env: KafkaEnv;
  clientId: string;
  groupId: string;
  /** true for services that must see every event since their group began; false for the gateway's live feed. */
  fromBeginning: boolean;
}

/**
 * Nest's Kafka server with the run's topic prefix applied to every @EventPattern, and a signal for
 * "joined its group and consuming" that readiness reports.
 */
export class KafkaServer extends ServerKafka implements CustomTransportStrategy {
  private joined = false;

  constructor(private readonly serverOptions: KafkaServerOptions) {
    super(toNestOptions(serverOptions));
  }

  override addHandler(
    pattern: unknown,
    callback: never,
    isEventHandler?: boolean,
    extras?: Record<string, unknown>,
  ) {
    const topic = typeof pattern === 'string' ? prefixed(this.serverOptions.env, pattern) : pattern;
    super.addHandler(topic, callback, isEventHandler, extras);
  }

  override async bindEvents(consumer: Consumer): Promise<void> {
    consumer.on(consumer.events.GROUP_JOIN, () => (this.joined = true));
    consumer.on(consumer.events.CRASH, () => (this.joined = false));
    consumer.on(consumer.events.STOP, () => (this.joined = false));
    await super.bindEvents(consumer);
  }

  isConsuming(): boolean {
    return this.joined;
  }
}

function toNestOptions(o: KafkaServerOptions): NonNullable<KafkaOptions['options']> {
  return {
    postfixId: '',
    client: kafkaClientConfig(o.env, o.clientId),
    // Nest re-declares kafkajs' types; the shapes are the same at run time.
    consumer: consumerConfig(o.env, o.groupId) as never,
    producer: producerConfig(),
    subscribe: { fromBeginning: o.fromBeginning },
    run: { autoCommit: true, autoCommitInterval: 1000, partitionsConsumedConcurrently: 3 },
  };
}
