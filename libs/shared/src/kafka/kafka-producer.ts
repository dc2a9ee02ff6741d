import { Kafka, Message, Producer } from 'kafkajs';
import type { KafkaEnv } from '../config';
import { kafkaClientConfig, prefixed, producerConfig } from './kafka-options';

export interface OutgoingMessage {
  key: string | null;
  value: string;
  headers?: Record<string, string>;
}

/** The one producer of a process: idempotent, acks from all replicas, per-key order kept. */
export class KafkaProducer {
  private readonly producer: Producer;
  private connected: Promise<void> | null = null;

  constructor(
    private readonly env: KafkaEnv,
    clientId: string,
  ) {
    this.producer = new Kafka(kafkaClientConfig(env, clientId)).producer(producerConfig());
  }

  connect(): Promise<void> {
    this.connected ??= this.producer.connect();
    return this.connected;
  }

  /** `topic` is the logical name; the run's prefix is applied here. */
  async send(topic: string, messages: OutgoingMessage[]): Promise<void> {
    await this.sendBatch([{ topic, messages }]);
  }

  async sendBatch(batch: { topic: string; messages: OutgoingMessage[] }[]): Promise<void> {
    await this.connect();
    await this.producer.sendBatch({
      acks: -1,
      topicMessages: batch.map((b) => ({
        topic: prefixed(this.env, b.topic),
        messages: b.messages.map((m): Message => ({ key: m.key, value: m.value, headers: m.headers })),
      })),
    });
  }

  async disconnect(): Promise<void> {
    if (this.connected) {
      await this.connected.catch(() => undefined);
      await this.producer.disconnect();
      this.connected = null;
    }
  }
}
