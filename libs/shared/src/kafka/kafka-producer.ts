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
  /** Sends made within this window are cut together (kafkajs has no linger, kafkajs #1157). */
  lingerMs?: number;
  /** A batch is cut once it holds this many bytes (uncompressed); a produce request carries no more. */
  maxBatchBytes?: number;
  /** The kafkajs producer to send with (tests); by default one made from `env`. */
  producer?: Pick<Producer, 'connect' | 'sendBatch' | 'disconnect'>;
}

/** Batches at least this large are GZIP-compressed: JSON shrinks 3–10×, small sends skip the CPU cost. */
const COMPRESS_FROM_BYTES = 16 * 1024;

interface Waiting {
  topic: string;
  messages: OutgoingMessage[];
  bytes: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * The one producer of a process: idempotent, acks from all replicas, per-key order kept. `send` lingers
 * a few milliseconds so that the requests and replies made meanwhile leave together, not one request
 * each; each caller's promise settles when its produce request is acknowledged (or fails with its error).
 *
 * One produce request is in flight at a time (the idempotent producer's order). What is cut while one
 * is in flight does not queue behind it batch by batch: the next request takes everything cut
 * meanwhile, up to `maxBatchBytes`, so a refused request fails every send it carried. With a request
 * per cut batch, a broker whose acknowledgements took longer than the linger (a cluster a few
 * milliseconds away) was sent more batches than it acknowledged, and the queue grew for as long as
 * the load lasted: with a broker 5 ms away, 1,000 sends a second waited 8.2 s at p50, and 11.7 ms
 * now (bench/producer-round-trip, session 44).
 */
export class KafkaProducer {
  private readonly producer: Pick<Producer, 'connect' | 'sendBatch' | 'disconnect'>;
  private connected: Promise<void> | null = null;
  private readonly lingerMs: number;
  private readonly maxBatchBytes: number;
  private waiting: Waiting[] = [];
  private waitingBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  /** Cut, waiting for a produce request, in the order they were cut: per-key order holds. */
  private ready: Waiting[] = [];
  /** The loop sending `ready`, one request at a time, while there is any. */
  private flushing: Promise<void> | null = null;
  private sent = { batches: 0, messages: 0 };
  /** Set once `disconnect` has sent everything: a later send is refused, not a reconnection. */
  private closed = false;

  constructor(
    private readonly env: KafkaEnv,
    clientId: string,
    options: ProducerOptions = {},
  ) {
    this.producer =
      options.producer ?? new Kafka(kafkaClientConfig(env, clientId)).producer(producerConfig());
    this.lingerMs = options.lingerMs ?? kafkaTuning().KAFKA_LINGER_MS;
    this.maxBatchBytes = options.maxBatchBytes ?? kafkaTuning().KAFKA_BATCH_MAX_BYTES;
  }

  /** Opens the connection; after `disconnect`, only this opens it again. */
  connect(): Promise<void> {
    this.closed = false;
    return this.opened();
  }

  /** `topic` is the logical name; the run's prefix is applied here. Lingers (see the class). */
  send(topic: string, messages: OutgoingMessage[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.closed) return reject(new ProducerClosed());
      const bytes = bytesOf(messages);
      // A large send never shares a batch with others: if it is refused, only its caller hears of it.
      if (this.waiting.length > 0 && this.waitingBytes + bytes > this.maxBatchBytes) this.cut();
      this.waiting.push({ topic, messages, bytes, resolve, reject });
      this.waitingBytes += bytes;
      // No linger: cut at once, so it leaves now or with the next request (never one request each).
      if (this.lingerMs <= 0 || this.waitingBytes >= this.maxBatchBytes) this.cut();
      else this.timer ??= setTimeout(() => this.cut(), this.lingerMs);
    });
  }

  /** Sends now, in one produce request; what the relay uses (it batches itself). */
  async sendBatch(batch: TopicMessages[], options: { compress?: boolean } = {}): Promise<void> {
    if (this.closed) throw new ProducerClosed();
    await this.opened();
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
    // What was sent while the last requests were in flight goes too, before the connection closes.
    while (this.waiting.length > 0 || this.flushing) {
      this.cut();
      await this.flushing;
    }
    // From here a send would open a new connection that nothing closes (a late reply, a relay's tick).
    this.closed = true;
    if (this.connected) {
      await this.connected.catch(() => undefined);
      await this.producer.disconnect();
      this.connected = null;
    }
  }

  /** The connection, opened on first use; unlike `connect`, it leaves a closed producer closed. */
  private opened(): Promise<void> {
    this.connected ??= this.producer.connect();
    return this.connected;
  }

  /** Closes the lingering batch: it leaves with the next produce request. */
  private cut(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.waiting.length === 0) return;
    this.ready = this.ready.concat(this.waiting);
    this.waiting = [];
    this.waitingBytes = 0;
    this.flushing ??= this.drain();
  }

  /** Sends what was cut, one produce request at a time, each with all that was cut before it left. */
  private async drain(): Promise<void> {
    try {
      while (this.ready.length > 0) await this.flush(this.nextRequest());
    } finally {
      this.flushing = null;
    }
  }

  /**
   * The oldest sends that fit in one request: up to `maxBatchBytes`, and at least one, so a send larger
   * than that goes alone (if the broker refuses it, only its caller hears of it).
   */
  private nextRequest(): Waiting[] {
    let n = 1;
    let bytes = this.ready[0].bytes;
    while (n < this.ready.length && bytes + this.ready[n].bytes <= this.maxBatchBytes) {
      bytes += this.ready[n].bytes;
      n++;
    }
    return this.ready.splice(0, n);
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

/** A send after `disconnect`: it was not sent, and nothing will send it. */
export class ProducerClosed extends Error {
  constructor() {
    super('the producer is closed');
    this.name = 'ProducerClosed';
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
