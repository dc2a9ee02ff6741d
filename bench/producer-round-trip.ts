/**
 * bench/producer-round-trip — how long a send through `KafkaProducer` (the gateway's requests, the
 * services' replies) waits for its acknowledgement when the broker is a round trip away, open loop.
 * Prints figures; not a test.
 *
 *   npm run bench:producer-round-trip -- [--rate 1000] [--seconds 10] [--round-trips 0,2,5]
 *
 * The local broker answers in about a millisecond; a production cluster (replicated, acks from all
 * replicas, across a network) takes a few. This process delays every byte the broker sends back by the
 * round trip asked for (support/slow-broker.ts), so the producer meets a slower broker with nothing
 * else changed. Each round trip gets a new
 * producer and `--seconds` of sends at `--rate`, 500-byte JSON values over 200 keys, each send not
 * waiting for the others, as the gateway's requests leave. The row with round trip 0 is the same run's
 * floor: the broker as it is.
 *
 * The figures: the wait from `send` to its acknowledgement (p50, p99, max), the produce requests it
 * took, and the sends still waiting when the last one was made (what queued behind the producer).
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Kafka } from 'kafkajs';
import type { KafkaEnv } from '../libs/shared/src/config';
import { KafkaProducer } from '../libs/shared/src/kafka/kafka-producer';
import { startBroker } from './support/infra';
import { installSlowBroker } from './support/slow-broker';
import { openLoop } from './support/open-loop';
import { ms, summarize } from './support/stats';

interface Options {
  rate: number;
  seconds: number;
  roundTrips: number[];
}

function parse(argv: string[]): Options {
  const o: Options = { rate: 1000, seconds: 10, roundTrips: [0, 2, 5] };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    if (argv[i] === '--rate') o.rate = Number(value);
    else if (argv[i] === '--seconds') o.seconds = Number(value);
    else if (argv[i] === '--round-trips') o.roundTrips = value.split(',').map(Number);
    else throw new Error(`unknown argument ${argv[i]}`);
    i++;
  }
  return o;
}

async function measure(env: KafkaEnv, topic: string, o: Options, roundTrip: number) {
  installSlowBroker(roundTrip);
  const producer = new KafkaProducer(env, `rtt-bench-${roundTrip}`);
  await producer.connect();
  await producer.send(topic, [{ key: 'warm', value: '{}' }]);
  const before = producer.stats();
  const count = Math.round(o.rate * o.seconds);
  const waits = new Float64Array(count).fill(NaN);
  let acked = 0;
  let failed = 0;
  const value = JSON.stringify({ eventId: randomUUID(), text: 'x'.repeat(440) });
  const done: Promise<void>[] = [];
  const loop = await openLoop(o.rate, count, (i) => {
    const sentAt = performance.now();
    done.push(
      producer.send(topic, [{ key: `k${i % 200}`, value }]).then(
        () => {
          waits[i] = performance.now() - sentAt;
          acked++;
        },
        () => void failed++,
      ),
    );
  });
  const waitingAtLastSend = count - acked - failed;
  await Promise.all(done);
  const after = producer.stats();
  await producer.disconnect();
  const requests = after.batches - before.batches;
  return {
    roundTrip,
    sent: count,
    failed,
    wait: summarize(waits.filter(Number.isFinite)),
    requests,
    perRequest: (after.messages - before.messages) / requests,
    waitingAtLastSend,
    sendLagP99: summarize(loop.lagMs).p99,
  };
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  const broker = startBroker();
  const prefix = `bench.${randomUUID().slice(0, 8)}.`;
  const env = { KAFKA_BROKERS: broker.brokers, KAFKA_TOPIC_PREFIX: prefix } as KafkaEnv;
  const admin = new Kafka({ clientId: 'rtt-bench-admin', brokers: broker.brokers, logLevel: 0 }).admin();
  const topic = 'rtt';
  try {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: prefix + topic, numPartitions: 6 }], waitForLeaders: true });
    console.log(`=== bench/producer-round-trip ===`);
    console.log(
      `started ${new Date().toISOString()}, node ${process.version}, ${o.rate}/s open loop for ${o.seconds} s per row, ` +
        `KafkaProducer's own linger and byte cap; broker ${broker.brokers.join(',')} (${broker.origin}), topic ${prefix}${topic} (6 partitions)`,
    );
    console.log(
      'round trip  sent   failed  wait p50  wait p99  wait max  produce requests  sends/request  waiting at last send  send lag p99',
    );
    for (const roundTrip of o.roundTrips) {
      const r = await measure(env, topic, o, roundTrip);
      console.log(
        [
          `${r.roundTrip === 0 ? 'floor (0)' : `${r.roundTrip} ms`}`.padEnd(10),
          String(r.sent).padStart(5),
          String(r.failed).padStart(7),
          ms(r.wait.p50).padStart(9),
          ms(r.wait.p99).padStart(9),
          ms(r.wait.max).padStart(9),
          String(r.requests).padStart(17),
          r.perRequest.toFixed(1).padStart(14),
          String(r.waitingAtLastSend).padStart(21),
          ms(r.sendLagP99).padStart(13),
        ].join('  '),
      );
    }
  } finally {
    await admin.deleteTopics({ topics: [prefix + topic] }).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    broker.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
