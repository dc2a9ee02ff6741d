import { randomUUID } from 'node:crypto';
import { Consumer, Kafka } from 'kafkajs';
import type { KafkaEnv } from '../config';
import { GATEWAY_REPLIES, ReplyEnvelope, requestTopic, ServiceName, ServiceOps } from '../contracts';
import { consumerConfig, kafkaClientConfig, prefixed } from '../kafka/kafka-options';
import { KafkaProducer } from '../kafka/kafka-producer';

type Ops<S extends ServiceName> = ServiceOps[S];

/** Plays the gateway's part in service-level tests: sends typed requests, awaits their replies. */
export class TestRequester {
  private readonly replyKey = `test-${randomUUID()}`;
  private readonly producer: KafkaProducer;
  private readonly consumer: Consumer;
  private readonly pending = new Map<string, (r: ReplyEnvelope) => void>();
  /** Every event seen on the topics passed to `watch`, for assertions. */
  readonly seen: {
    topic: string;
    key: string | null;
    value: { type?: string; data?: Record<string, unknown> };
  }[] = [];

  constructor(private readonly env: KafkaEnv) {
    this.producer = new KafkaProducer(env, 'test-requester');
    this.consumer = new Kafka(kafkaClientConfig(env, 'test-requester')).consumer(
      consumerConfig(env, `test-requester-${randomUUID()}`),
    );
  }

  async start(watch: string[] = []): Promise<void> {
    await this.producer.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({
      topics: [GATEWAY_REPLIES, ...watch].map((t) => prefixed(this.env, t)),
      fromBeginning: true,
    });
    await this.consumer.run({
      eachMessage: async ({ topic, message }) => {
        const value = JSON.parse(String(message.value));
        if (topic === prefixed(this.env, GATEWAY_REPLIES)) {
          if (value.replyKey === this.replyKey) this.pending.get(value.requestId)?.(value);
        } else {
          this.seen.push({
            topic: topic.slice(this.env.KAFKA_TOPIC_PREFIX.length),
            key: message.key?.toString() ?? null,
            value,
          });
        }
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
    await this.producer.disconnect();
  }

  /** Resolves with the reply; `ok: false` replies are returned, not thrown, so tests can assert codes. */
  async ask<S extends ServiceName, K extends keyof Ops<S> & string>(
    service: S,
    op: K,
    data: Ops<S>[K] extends { in: infer I } ? I : never,
    timeoutMs = 10000,
  ): Promise<ReplyEnvelope> {
    const requestId = randomUUID();
    const reply = new Promise<ReplyEnvelope>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no reply to ${service} ${op} in ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.pending.set(requestId, (r) => {
        clearTimeout(timer);
        this.pending.delete(requestId);
        resolve(r);
      });
    });
    const envelope = {
      requestId,
      op,
      replyKey: this.replyKey,
      sentAt: new Date().toISOString(),
      correlationId: requestId,
      data,
    };
    await this.producer.send(requestTopic(service), [{ key: requestId, value: JSON.stringify(envelope) }]);
    return reply;
  }

  /**
   * Sends several requests in one produce request, all with one key (so they sit together in one
   * partition and a service reads them in one batch); resolves with their replies in the same order.
   * `commitBy`/`deadline` are set as given (none by default), like a gateway would.
   */
  async askAll(
    service: ServiceName,
    key: string,
    requests: { op: string; data: unknown; deadline?: Date; commitBy?: Date; requestId?: string }[],
    timeoutMs = 10000,
  ): Promise<(ReplyEnvelope | null)[]> {
    const ids = requests.map((r) => r.requestId ?? randomUUID());
    const replies = ids.map(
      (requestId) =>
        new Promise<ReplyEnvelope | null>((resolve) => {
          const timer = setTimeout(() => {
            this.pending.delete(requestId);
            resolve(null);
          }, timeoutMs);
          this.pending.set(requestId, (r) => {
            clearTimeout(timer);
            this.pending.delete(requestId);
            resolve(r);
          });
        }),
    );
    const messages = requests.map((r, i) => ({
      key,
      value: JSON.stringify({
        requestId: ids[i],
        op: r.op,
        replyKey: this.replyKey,
        sentAt: new Date().toISOString(),
        deadline: r.deadline?.toISOString(),
        commitBy: r.commitBy?.toISOString(),
        correlationId: ids[i],
        data: r.data,
      }),
    }));
    await this.producer.send(requestTopic(service), messages);
    return Promise.all(replies);
  }

  /** Like ask, but throws on an error reply and returns the data. */
  async call<S extends ServiceName, K extends keyof Ops<S> & string>(
    service: S,
    op: K,
    data: Ops<S>[K] extends { in: infer I } ? I : never,
  ): Promise<Ops<S>[K] extends { out: infer O } ? O : never> {
    const r = await this.ask(service, op, data);
    if (!r.ok) throw new Error(`${service} ${op} refused: ${r.error.code} ${r.error.message}`);
    return r.data as never;
  }

  /** The events of this type seen, on any watched topic or only on `topic` (a close is on two). */
  eventsOf(type: string, topic?: string) {
    return this.seen.filter((s) => s.value.type === type && (topic === undefined || s.topic === topic));
  }
}
