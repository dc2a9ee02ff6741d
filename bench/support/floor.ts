import { Partitioners } from 'kafkajs';
import { performance } from 'node:perf_hooks';
import { kafkaClient } from './infra';
import { checkpoint, LoopResult, openLoop, sleep, waitUntil } from './open-loop';

export interface FloorOptions {
  brokers: string[];
  topic: string;
  groupId: string;
  rate: number;
  duration: number;
  warmup: number;
  drain: number;
  /** Keys rotate over this many ids (one per visitor in the flow). */
  keys: number;
  /** Consumer fetch wait, as the services' KAFKA_MAX_WAIT_MS. */
  maxWaitMs: number;
}

export interface FloorResult {
  sent: number;
  loop: LoopResult;
  /** consume time − produce-call time, per delivered record. */
  hopMs: number[];
  /** produce-call → broker ack (acks=-1). */
  ackMs: number[];
  lost: number;
  produceErrors: number;
  duplicates: number;
  lastDeliveredAt: number;
}

/**
 * The floor: a raw kafkajs hop on the same broker with the services' producer settings (idempotent,
 * one request in flight, acks=-1) and consumer settings (own group, maxWaitTimeInMs, 3 partitions
 * consumed concurrently), at the same open-loop rate.
 */
export async function runFloor(o: FloorOptions, progress: (line: string) => void): Promise<FloorResult> {
  const kafka = kafkaClient(o.brokers, 'bench-floor');
  const admin = kafka.admin();
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const consumer = kafka.consumer({
    groupId: o.groupId,
    maxWaitTimeInMs: o.maxWaitMs,
    allowAutoTopicCreation: false,
  });
  const phases: Record<string, { sentAt: Float64Array; gotAt: Float64Array; ackAt: Float64Array }> = {};
  let duplicates = 0;
  let produceErrors = 0;
  try {
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic: o.topic, numPartitions: 3, replicationFactor: 1 }],
    });
    await producer.connect();
    await consumer.connect();
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.subscribe({ topic: o.topic, fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: 3,
      eachMessage: async ({ message }) => {
        const now = performance.now();
        const m = /^([wm])#(\d+)$/.exec(message.value?.toString() ?? '');
        const phase = m && phases[m[1]];
        if (!phase) return;
        const i = Number(m[2]);
        if (phase.gotAt[i] > 0) duplicates++;
        else phase.gotAt[i] = now;
      },
    });
    await joined;
    await sleep(500);
    checkpoint();

    const run = async (tag: 'w' | 'm', seconds: number) => {
      const n = Math.max(1, Math.round(o.rate * seconds));
      const p = (phases[tag] = {
        sentAt: new Float64Array(n),
        gotAt: new Float64Array(n),
        ackAt: new Float64Array(n),
      });
      const loop = await openLoop(o.rate, n, (i) => {
        p.sentAt[i] = performance.now();
        producer
          .send({
            topic: o.topic,
            acks: -1,
            messages: [{ key: `k${i % o.keys}`, value: `${tag}#${i}` }],
          })
          .then(
            () => (p.ackAt[i] = performance.now()),
            () => produceErrors++,
          );
      });
      const delivered = () => p.gotAt.reduce((c, v) => c + (v > 0 ? 1 : 0), 0);
      await waitUntil(() => delivered() === n, o.drain * 1000);
      checkpoint();
      return { n, loop, p };
    };

    if (o.warmup > 0) {
      progress(`floor: warm-up ${o.warmup} s at ${o.rate}/s`);
      await run('w', o.warmup);
    }
    progress(`floor: ${o.duration} s at ${o.rate}/s on ${o.topic}`);
    produceErrors = 0;
    duplicates = 0;
    const { n, loop, p } = await run('m', o.duration);
    const hopMs: number[] = [];
    const ackMs: number[] = [];
    let lastDeliveredAt = NaN;
    for (let i = 0; i < n; i++) {
      if (p.gotAt[i] > 0) {
        hopMs.push(p.gotAt[i] - p.sentAt[i]);
        if (!(p.gotAt[i] <= lastDeliveredAt)) lastDeliveredAt = p.gotAt[i];
      }
      if (p.ackAt[i] > 0) ackMs.push(p.ackAt[i] - p.sentAt[i]);
    }
    return {
      sent: n,
      loop,
      hopMs,
      ackMs,
      lost: n - hopMs.length,
      produceErrors,
      duplicates,
      lastDeliveredAt,
    };
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}
