import { Consumer, Partitioners, Producer } from 'kafkajs';
import { performance } from 'node:perf_hooks';
import { Pool } from 'pg';
import { kafkaClient } from './infra';
import { checkpoint, LoopResult, openLoop, sleep, waitUntil } from './open-loop';

export interface FloorOptions {
  brokers: string[];
  /** Topic and group names start with this (the run's prefix). */
  prefix: string;
  /** The run's database: the floor's inbox table lives there. */
  databaseUrl: string;
  /** Keys rotate over this many ids (one per visitor in the flow). */
  keys: number;
  /** Consumer fetch wait, as the services' KAFKA_MAX_WAIT_MS. */
  maxWaitMs: number;
  /** Partitions of both topics, as the services' topics. */
  partitions: number;
}

export interface FloorResult {
  rate: number;
  sent: number;
  loop: LoopResult;
  /** final consume time − produce-call time, per delivered record. */
  endToEndMs: number[];
  /** produce-call → broker ack (acks=-1) of the first hop. */
  ackMs: number[];
  lost: number;
  produceErrors: number;
  duplicates: number;
  /** Consumed batches applied in one transaction each, and their mean size. */
  batches: number;
  meanBatch: number;
  lastDeliveredAt: number;
  /** The bench process's own CPU (process.cpuUsage) over the send window, % of one core. */
  processCpu: number;
}

/**
 * The floor: the same path built from bare parts in this process, on the same broker and database.
 * A kafkajs producer with the services' settings (idempotent, one request in flight, acks=-1) sends
 * each message on its own (as the gateway does) → a consumer takes what each partition has ready and
 * applies the batch in ONE PostgreSQL transaction (one multi-row insert), then sends the batch on in
 * ONE produce call, offsets committed after → a final consumer notes the arrival time. Same consumer
 * settings as the services (fetch wait, 3 partitions consumed concurrently).
 */
export class Floor {
  private readonly kafka;
  private readonly producer: Producer;
  private readonly relay: Producer;
  private readonly apply: Consumer;
  private readonly final: Consumer;
  private readonly pool: Pool;
  private readonly topicIn: string;
  private readonly topicOut: string;
  private phase: { tag: string; sentAt: Float64Array; gotAt: Float64Array; ackAt: Float64Array } | null =
    null;
  private duplicates = 0;
  private produceErrors = 0;
  private batches = 0;
  private batchRows = 0;
  private applyErrors = 0;

  constructor(private readonly o: FloorOptions) {
    this.kafka = kafkaClient(o.brokers, 'bench-floor');
    const producerConfig = {
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    };
    this.producer = this.kafka.producer(producerConfig);
    this.relay = this.kafka.producer(producerConfig);
    const consumerConfig = (group: string) => ({
      groupId: `${o.prefix}${group}`,
      maxWaitTimeInMs: o.maxWaitMs,
      allowAutoTopicCreation: false,
    });
    this.apply = this.kafka.consumer(consumerConfig('floor.apply'));
    this.final = this.kafka.consumer(consumerConfig('floor.final'));
    this.pool = new Pool({ connectionString: o.databaseUrl, max: o.partitions });
    this.topicIn = `${o.prefix}floor.in`;
    this.topicOut = `${o.prefix}floor.out`;
  }

  async start(): Promise<void> {
    await this.pool.query(
      `CREATE TABLE IF NOT EXISTS bench_floor_inbox (
         id text PRIMARY KEY, topic_partition int NOT NULL, body text NOT NULL,
         received_at timestamptz NOT NULL DEFAULT now())`,
    );
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: [this.topicIn, this.topicOut].map((topic) => ({
          topic,
          numPartitions: this.o.partitions,
          replicationFactor: 1,
        })),
      });
      // A loaded broker answers a topic it has just created with "does not host this topic-partition"
      // for a moment after createTopics returned: wait until every partition has a leader.
      const topics = [this.topicIn, this.topicOut];
      for (const deadline = Date.now() + 60_000; ;) {
        const ok = await admin
          .fetchTopicMetadata({ topics })
          .then((m) =>
            m.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0)),
          )
          .catch(() => false);
        if (ok) break;
        if (Date.now() > deadline) throw new Error(`floor topics have no leader after 60 s`);
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      await admin.disconnect();
    }
    await Promise.all([this.producer.connect(), this.relay.connect()]);
    await Promise.all([this.apply.connect(), this.final.connect()]);
    const joined = (c: Consumer) =>
      new Promise<void>((resolve) => c.on(c.events.GROUP_JOIN, () => resolve()));
    const bothJoined = Promise.all([joined(this.apply), joined(this.final)]);
    await this.apply.subscribe({ topic: this.topicIn, fromBeginning: true });
    await this.final.subscribe({ topic: this.topicOut, fromBeginning: true });
    await this.apply.run({
      partitionsConsumedConcurrently: 3,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
        const messages = batch.messages;
        if (messages.length === 0) return;
        const ids = messages.map((m) => `${batch.topic}:${batch.partition}:${m.offset}`);
        const bodies = messages.map((m) => m.value?.toString() ?? '');
        const client = await this.pool.connect();
        try {
          await client.query('BEGIN');
          await client.query(
            `INSERT INTO bench_floor_inbox (id, topic_partition, body)
             SELECT id, $2, body FROM unnest($1::text[], $3::text[]) AS t(id, body)
             ON CONFLICT (id) DO NOTHING`,
            [ids, batch.partition, bodies],
          );
          await client.query('COMMIT');
        } catch (err) {
          this.applyErrors++;
          await client.query('ROLLBACK').catch(() => undefined);
          throw err;
        } finally {
          client.release();
        }
        await this.relay.send({
          topic: this.topicOut,
          acks: -1,
          messages: messages.map((m) => ({ key: m.key, value: m.value })),
        });
        this.batches++;
        this.batchRows += messages.length;
        resolveOffset(messages[messages.length - 1].offset);
        await heartbeat();
      },
    });
    await this.final.run({
      partitionsConsumedConcurrently: 3,
      eachMessage: async ({ message }) => {
        const now = performance.now();
        const p = this.phase;
        const m = /^([a-z0-9]+)#(\d+)$/.exec(message.value?.toString() ?? '');
        if (!p || !m || m[1] !== p.tag) return;
        const i = Number(m[2]);
        if (i >= p.gotAt.length) return;
        if (p.gotAt[i] > 0) this.duplicates++;
        else p.gotAt[i] = now;
      },
    });
    await bothJoined;
    await sleep(500);
  }

  /** `seconds` of open-loop load at `rate`, then up to `grace` seconds for the rest to arrive. */
  async measure(tag: string, rate: number, seconds: number, grace: number): Promise<FloorResult> {
    const n = Math.max(1, Math.round(rate * seconds));
    const p = (this.phase = {
      tag,
      sentAt: new Float64Array(n),
      gotAt: new Float64Array(n),
      ackAt: new Float64Array(n),
    });
    this.duplicates = 0;
    this.produceErrors = 0;
    this.batches = 0;
    this.batchRows = 0;
    const cpu0 = process.cpuUsage();
    const wall0 = performance.now();
    const loop = await openLoop(rate, n, (i) => {
      p.sentAt[i] = performance.now();
      this.producer
        .send({
          topic: this.topicIn,
          acks: -1,
          messages: [{ key: `k${i % this.o.keys}`, value: `${tag}#${i}` }],
        })
        .then(
          () => (p.ackAt[i] = performance.now()),
          () => this.produceErrors++,
        );
    });
    const cpu = process.cpuUsage(cpu0);
    const processCpu = (100 * (cpu.user + cpu.system)) / 1000 / (performance.now() - wall0);
    let delivered = 0;
    await waitUntil(() => {
      delivered = 0;
      for (let i = 0; i < n; i++) if (p.gotAt[i] > 0) delivered++;
      return delivered === n;
    }, grace * 1000);
    checkpoint();
    this.phase = null;
    const endToEndMs: number[] = [];
    const ackMs: number[] = [];
    let lastDeliveredAt = NaN;
    for (let i = 0; i < n; i++) {
      if (p.gotAt[i] > 0) {
        endToEndMs.push(p.gotAt[i] - p.sentAt[i]);
        if (!(p.gotAt[i] <= lastDeliveredAt)) lastDeliveredAt = p.gotAt[i];
      }
      if (p.ackAt[i] > 0) ackMs.push(p.ackAt[i] - p.sentAt[i]);
    }
    return {
      rate,
      sent: n,
      loop,
      endToEndMs,
      ackMs,
      lost: n - endToEndMs.length,
      produceErrors: this.produceErrors + this.applyErrors,
      duplicates: this.duplicates,
      batches: this.batches,
      meanBatch: this.batches > 0 ? this.batchRows / this.batches : NaN,
      lastDeliveredAt,
      processCpu,
    };
  }

  async stop(): Promise<void> {
    await this.final.disconnect().catch(() => undefined);
    await this.apply.disconnect().catch(() => undefined);
    await this.relay.disconnect().catch(() => undefined);
    await this.producer.disconnect().catch(() => undefined);
    await this.pool.end().catch(() => undefined);
  }
}
