import { CompressionTypes, Kafka, Message, Producer } from 'kafkajs';
import type { KafkaEnv } from '../config';
import { pipelineTrace } from '../ops/pipeline-trace';
import { kafkaClientConfig, kafkaTuning, prefixed, producerConfig } from './kafka-options';

export interface OutgoingMessage {
  key: string | null;
  value: string;
  headers?: Record<string, string>;
}

export interface TopicMessages {
  topic: string;
  messages: OutgoingMessage[];
}

export interface ProducerOptions {
  /** Sends made within this window leave in one `sendBatch` (kafkajs has no linger, kafkajs #1157). */
  lingerMs?: number;
  /** A lingering batch is sent as soon as it holds this many bytes (uncompressed). */
  maxBatchBytes?: number;
}

/** Batches at least this large are GZIP-compressed: JSON shrinks 3–10×, small sends skip the CPU cost. */
const COMPRESS_FROM_BYTES = 16 * 1024;

interface Waiting {
  topic: string;
  messages: OutgoingMessage[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * The one producer of a process: idempotent, acks from all replicas, per-key order kept. `send` lingers
 * a few milliseconds so that the requests and replies made meanwhile leave in one produce request;
 * each caller's promise settles when its batch is acknowledged (or fails with the batch's error).
 */
export class KafkaProducer {
  private readonly producer: Producer;
  private connected: Promise<void> | null = null;
  private readonly lingerMs: number;
  private readonly maxBatchBytes: number;
  private waiting: Waiting[] = [];
  private waitingBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  /** Flushes in the order they were cut, so per-key order holds across lingered batches. */
  private flushing: Promise<void> = Promise.resolve();
  private sent = { batches: 0, messages: 0 };

  constructor(
    private readonly env: KafkaEnv,
    clientId: string,
    options: ProducerOptions = {},
  ) {
    this.producer = new Kafka(kafkaClientConfig(env, clientId)).producer(producerConfig());
    this.lingerMs = options.lingerMs ?? kafkaTuning().KAFKA_LINGER_MS;
    this.maxBatchBytes = options.maxBatchBytes ?? kafkaTuning().KAFKA_BATCH_MAX_BYTES;
  }

  connect(): Promise<void> {
    this.connected ??= this.producer.connect();
    return this.connected;
  }

  /** `topic` is the logical name; the run's prefix is applied here. Lingers (see the class). */
  send(topic: string, messages: OutgoingMessage[]): Promise<void> {
    if (this.lingerMs <= 0) return this.sendBatch([{ topic, messages }]);
    return new Promise<void>((resolve, reject) => {
      const bytes = bytesOf(messages);
      // A large send never shares a batch with others: if it is refused, only its caller hears of it.
      if (this.waiting.length > 0 && this.waitingBytes + bytes > this.maxBatchBytes) this.cut();
      this.waiting.push({ topic, messages, resolve, reject });
      this.waitingBytes += bytes;
      if (this.waitingBytes >= this.maxBatchBytes) this.cut();
      else this.timer ??= setTimeout(() => this.cut(), this.lingerMs);
    });
  }

  /** Sends now, in one produce request; what the relay uses (it batches itself). */
  async sendBatch(batch: TopicMessages[], options: { compress?: boolean } = {}): Promise<void> {
    await this.connect();
    const compress =
      options.compress ?? batch.reduce((n, b) => n + bytesOf(b.messages), 0) >= COMPRESS_FROM_BYTES;
    const began = Date.now();
    await this.producer.sendBatch({
      acks: -1,
      compression: compress ? CompressionTypes.GZIP : CompressionTypes.None,
      topicMessages: batch.map((b) => ({
        topic: prefixed(this.env, b.topic),
        messages: b.messages.map((m): Message => ({ key: m.key, value: m.value, headers: m.headers })),
      })),
    });
    const messages = batch.reduce((n, b) => n + b.messages.length, 0);
    this.sent.batches++;
    this.sent.messages += messages;
    pipelineTrace()?.add('produce', messages, Date.now() - began);
  }

  /** Produce requests and messages sent so far (for metrics and tests). */
  stats(): { batches: number; messages: number } {
    return { ...this.sent };
  }

  async disconnect(): Promise<void> {
    this.cut();
    await this.flushing;
    if (this.connected) {
      await this.connected.catch(() => undefined);
      await this.producer.disconnect();
      this.connected = null;
    }
  }

  /** Closes the lingering batch and queues it behind the previous one. */
  private cut(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.waiting;
    if (batch.length === 0) return;
    this.waiting = [];
    this.waitingBytes = 0;
    this.flushing = this.flushing.then(() => this.flush(batch));
  }

  private async flush(batch: Waiting[]): Promise<void> {
    const byTopic = new Map<string, OutgoingMessage[]>();
    for (const w of batch) {
      const list = byTopic.get(w.topic) ?? [];
      list.push(...w.messages);
      byTopic.set(w.topic, list);
    }
    try {
      await this.sendBatch([...byTopic].map(([topic, messages]) => ({ topic, messages })));
      for (const w of batch) w.resolve();
    } catch (err) {
      for (const w of batch) w.reject(err);
    }
  }
}

/** What a message weighs before compression (value, key and headers). */
export function bytesOf(messages: OutgoingMessage[]): number {
  let n = 0;
  for (const m of messages) {
    n += Buffer.byteLength(m.value) + (m.key ? Buffer.byteLength(m.key) : 0) + 64;
    for (const [k, v] of Object.entries(m.headers ?? {})) n += k.length + Buffer.byteLength(v);
  }
  return n;
}
