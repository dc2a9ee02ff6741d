import { Controller, INestApplication, Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, KafkaContext } from '@nestjs/microservices';
import { TypeOrmModule } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import {
  createMessagingTables,
  ensureSchema,
  Inbox,
  KafkaEnv,
  kafkaEnvSchema,
  KafkaProducer,
  KafkaServer,
  MessagingModule,
  Outbox,
  OutboxRelay,
  DeadLetters,
  HandlerExtras,
  parseEnv,
  prefixed,
} from '@pupitre/shared';
import { isolatedTestEnv, TestEnv, waitFor } from '@pupitre/shared/testing';

const TOPIC = 'test.events';
const TYPED_TOPIC = 'test.typed';
const deliveries = new Map<string, number>();
/** The types TypedConsumer parsed, in order. */
const typedParsed: string[] = [];

interface TestEvent {
  eventId: string;
  n: number;
  poison?: boolean;
  /** Fails (not transiently) while `broken` holds: a bug fixed later, then the letter replayed. */
  fixable?: boolean;
}
let broken = true;

@Controller()
class TestConsumer {
  constructor(private readonly inbox: Inbox) {}

  @EventPattern(TOPIC)
  async onEvent(@Ctx() ctx: KafkaContext): Promise<void> {
    await this.inbox.consume<TestEvent>(ctx, {
      parse: (v) => {
        const e = v as TestEvent;
        if (typeof e?.eventId !== 'string') throw new Error('no eventId');
        deliveries.set(e.eventId, (deliveries.get(e.eventId) ?? 0) + 1);
        return e;
      },
      id: (e) => e.eventId,
      handle: async (e, tx) => {
        if (e.poison) throw new Error(`event ${e.n} cannot be applied`);
        if (e.fixable && broken) throw new Error(`event ${e.n} hits a bug`);
        await tx.query('INSERT INTO applied (event_id, n) VALUES ($1, $2)', [e.eventId, e.n]);
      },
    });
  }
}

/** Applies `wanted` events only, and says so beside its topic: the others are passed over unparsed. */
@Controller()
class TypedConsumer {
  constructor(private readonly inbox: Inbox) {}

  @EventPattern(TYPED_TOPIC, { eventTypes: new Set(['wanted']) } satisfies HandlerExtras)
  async onEvent(@Ctx() ctx: KafkaContext): Promise<void> {
    await this.inbox.consume<TestEvent & { type: string }>(ctx, {
      parse: (v) => {
        const e = v as TestEvent & { type: string };
        typedParsed.push(e.type);
        return e.type === 'wanted' ? e : null;
      },
      id: (e) => e.eventId,
      handle: async (e, tx) => {
        await tx.query('INSERT INTO applied (event_id, n) VALUES ($1, $2)', [e.eventId, e.n]);
      },
    });
  }
}

describe('outbox, relay and inbox across two services', () => {
  let env: TestEnv;
  let kafka: KafkaEnv;
  let producerDb: DataSource;
  let consumerApp: INestApplication;
  let consumerDb: DataSource;
  let producer: KafkaProducer;
  const relays: OutboxRelay[] = [];
  const outbox = new Outbox('svc_a');
  const quiet = { log: () => undefined, error: (m: string) => new Logger('relay').error(m) };

  const startRelay = (afterPublish?: (ids: string[]) => void, batchSize?: number) => {
    const relay = new OutboxRelay({
      databaseUrl: env.databaseUrl,
      schema: 'svc_a',
      producer,
      logger: quiet,
      pollIntervalMs: 200,
      afterPublish,
      batchSize,
    });
    relay.start();
    relays.push(relay);
    return relay;
  };
  const emit = (e: TestEvent, key = 'conversation-1') =>
    producerDb.transaction((tx) => outbox.add(tx, TOPIC as never, key, e as never)); // a test-only topic
  const applied = async () =>
    (await consumerDb.query('SELECT event_id, n FROM applied ORDER BY n')) as {
      event_id: string;
      n: number;
    }[];

  beforeAll(async () => {
    env = await isolatedTestEnv('outbox', [TOPIC, `${TOPIC}.dlq`, TYPED_TOPIC, `${TYPED_TOPIC}.dlq`]);
    kafka = parseEnv(kafkaEnvSchema, env.vars);
    for (const schema of ['svc_a', 'svc_b']) await ensureSchema(env.databaseUrl, schema);

    producerDb = new DataSource({
      type: 'postgres',
      url: env.databaseUrl,
      schema: 'svc_a',
      extra: { options: '-c search_path=svc_a' },
    });
    await producerDb.initialize();
    const qa = producerDb.createQueryRunner();
    await createMessagingTables(qa);
    await qa.release();
    producer = new KafkaProducer(kafka, 'svc-a');

    @Module({
      imports: [
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: env.databaseUrl,
          schema: 'svc_b',
          extra: { options: '-c search_path=svc_b' },
        }),
        MessagingModule.forService({
          service: 'svc-b',
          schema: 'svc_b',
          databaseUrl: env.databaseUrl,
          kafka,
          maxAttempts: 3,
        }),
      ],
      controllers: [TestConsumer, TypedConsumer],
    })
    class ConsumerModule {}

    consumerApp = await NestFactory.create(ConsumerModule, { logger: ['error'] });
    consumerDb = consumerApp.get(DataSource);
    const qb = consumerDb.createQueryRunner();
    await createMessagingTables(qb);
    await qb.query('CREATE TABLE applied (event_id text PRIMARY KEY, n int NOT NULL)');
    await qb.release();
    const server = new KafkaServer({ env: kafka, clientId: 'svc-b', groupId: 'svc-b', fromBeginning: true });
    consumerApp.connectMicroservice({ strategy: server });
    consumerApp.enableShutdownHooks();
    await consumerApp.startAllMicroservices();
    await consumerApp.init();
    await waitFor(() => server.isConsuming(), { what: 'consumer group join' });
  });

  afterAll(async () => {
    for (const r of relays) await r.stop();
    await producer?.disconnect();
    await consumerApp?.close();
    await producerDb?.destroy();
  });

  beforeEach(async () => {
    for (const r of relays.splice(0)) await r.stop();
    await consumerDb.query('TRUNCATE applied');
  });

  it('(a) an event written to the outbox in a transaction reaches a consumer in another service', async () => {
    startRelay();
    const e = { eventId: randomUUID(), n: 1 };
    await emit(e);
    await waitFor(async () => (await applied()).length === 1, { what: 'event applied' });
    expect(await applied()).toEqual([{ event_id: e.eventId, n: 1 }]);
  });

  it('(b) an event whose transaction rolls back is never published', async () => {
    startRelay();
    const ghost = { eventId: randomUUID(), n: 1 };
    await expect(
      producerDb.transaction(async (tx) => {
        await outbox.add(tx, TOPIC as never, 'conversation-1', ghost as never);
        throw new Error('the state change failed');
      }),
    ).rejects.toThrow('the state change failed');
    const marker = { eventId: randomUUID(), n: 2 };
    await emit(marker);
    await waitFor(async () => (await applied()).some((r) => r.n === 2), { what: 'marker applied' });
    expect((await applied()).map((r) => r.n)).toEqual([2]);
    expect(deliveries.has(ghost.eventId)).toBe(false);
  });

  it('(c) a relay killed after publishing and before deleting: redelivered, applied once', async () => {
    let killed = false;
    // Dies between publish and delete on every try until stopped: its retry must not delete the row either.
    const first = startRelay(() => {
      killed = true;
      throw new Error('relay killed between publish and delete');
    });
    const e = { eventId: randomUUID(), n: 3 };
    await emit(e);
    await waitFor(() => killed, { what: 'first publish' });
    await first.stop(); // the dead relay never deleted the row
    const [{ count }] = await producerDb.query(
      `SELECT count(*)::int AS count FROM outbox WHERE published_at IS NULL`,
    );
    expect(count).toBe(1);
    startRelay();
    await waitFor(() => (deliveries.get(e.eventId) ?? 0) >= 2, { what: 'second delivery' });
    // Published rows are deleted, not kept marked: the table holds only what waits.
    await waitFor(async () => (await producerDb.query('SELECT 1 FROM outbox')).length === 0, {
      what: 'the outbox emptied',
    });
    expect((await applied()).filter((r) => r.event_id === e.eventId)).toHaveLength(1);
  });

  it('(d) a poison message is dead-lettered after N attempts; the messages behind it are processed', async () => {
    startRelay();
    const poison = { eventId: randomUUID(), n: 4, poison: true };
    const behind = [5, 6, 7].map((n) => ({ eventId: randomUUID(), n }));
    await emit(poison, 'same-key');
    for (const e of behind) await emit(e, 'same-key'); // same key: same partition, queued behind it

    await waitFor(async () => (await applied()).length === 3, { what: 'messages behind the poison' });
    expect((await applied()).map((r) => r.n)).toEqual([5, 6, 7]);
    expect(deliveries.get(poison.eventId)).toBe(1); // delivered once, attempted 3 times in place

    const dlq = new Kafka({ clientId: 'dlq-reader', brokers: kafka.KAFKA_BROKERS, logLevel: 0 }).consumer({
      groupId: prefixed(kafka, `dlq-reader-${randomUUID()}`),
    });
    const letters: { originalTopic: string; attempts: number; value: string; error: string }[] = [];
    await dlq.connect();
    await dlq.subscribe({ topic: prefixed(kafka, `${TOPIC}.dlq`), fromBeginning: true });
    await dlq.run({
      eachMessage: async ({ message }) => void letters.push(JSON.parse(String(message.value))),
    });
    try {
      await waitFor(() => letters.length >= 1, { what: 'dead letter', timeoutMs: 20000 });
    } finally {
      await dlq.disconnect();
    }
    expect(letters[0]).toMatchObject({
      originalTopic: TOPIC,
      attempts: 3,
      error: 'event 4 cannot be applied',
    });
    expect(JSON.parse(letters[0].value)).toMatchObject({ eventId: poison.eventId });
  });

  it('(e) a dead letter replayed after the fix is applied exactly once, however often it is replayed', async () => {
    startRelay();
    broken = true;
    const e = { eventId: randomUUID(), n: 8, fixable: true };
    await emit(e, 'fixable-key');
    const letters = new DeadLetters(kafka, [`${TOPIC}.dlq`]);
    const letter = await waitFor(
      async () => (await letters.list()).find((l) => JSON.parse(l.letter.value).eventId === e.eventId),
      { what: 'the dead letter', timeoutMs: 30000 },
    );
    expect(letter.letter).toMatchObject({ originalTopic: TOPIC, attempts: 3, error: 'event 8 hits a bug' });
    expect(letter.letter.key).toBe('fixable-key');
    expect(await applied()).toEqual([]);

    broken = false; // the bug is fixed and deployed; the operator replays the letter, twice by mistake
    await letters.replay(letter.id);
    await waitFor(async () => (await applied()).length === 1, { what: 'the replay applied' });
    await letters.replay(letter.id);
    const marker = { eventId: randomUUID(), n: 9 };
    await emit(marker, 'fixable-key'); // behind the second replay on the same partition
    await waitFor(async () => (await applied()).some((r) => r.n === 9), { what: 'marker applied' });
    expect((await applied()).map((r) => r.n)).toEqual([8, 9]);
    expect(deliveries.get(e.eventId)).toBe(3); // the original and both replays reached the consumer
  });

  it('(f) a replay reaches every consumer that dead-lettered the record, and no other', async () => {
    const mine = { eventId: randomUUID(), n: 10 }; // dead-lettered by svc-b (this consumer) and svc-c
    const theirs = { eventId: randomUUID(), n: 11 }; // dead-lettered by svc-c only: svc-b applied it
    const letter = (e: TestEvent, consumerGroup: string, offset: string) =>
      JSON.stringify({
        originalTopic: TOPIC,
        partition: 0,
        offset,
        key: 'replay-key',
        value: JSON.stringify(e),
        consumerGroup,
        error: 'a bug',
        attempts: 3,
        deadLetteredAt: new Date().toISOString(),
      });
    await producer.send(`${TOPIC}.dlq`, [
      { key: 'replay-key', value: letter(mine, 'svc-c', '1000001') },
      { key: 'replay-key', value: letter(mine, 'svc-b', '1000001') },
      { key: 'replay-key', value: letter(theirs, 'svc-c', '1000002') },
    ]);
    const letters = new DeadLetters(kafka, [`${TOPIC}.dlq`]);
    const find = async (e: TestEvent, group: string) =>
      (await letters.list()).find(
        (l) => JSON.parse(l.letter.value).eventId === e.eventId && l.letter.consumerGroup === group,
      );
    const theirsLetter = await waitFor(() => find(theirs, 'svc-c'), { what: 'svc-c’s letter' });
    const mineLetter = await waitFor(() => find(mine, 'svc-c'), { what: 'the shared letter' });

    expect((await letters.replay(theirsLetter.id)).consumers).toEqual(['svc-c']);
    expect((await letters.replay(mineLetter.id)).consumers.sort()).toEqual(['svc-b', 'svc-c']);

    // Same key, so the first replay reached svc-b before the second: skipped, not applied again.
    await waitFor(async () => (await applied()).some((r) => r.n === 10), { what: 'the replay for svc-b' });
    expect((await applied()).map((r) => r.n)).toEqual([10]);
    expect(deliveries.has(theirs.eventId)).toBe(false);
  });

  it('(g) a consumer that names its event types passes the others over by their header, unparsed', async () => {
    startRelay();
    const emitTyped = (type: string, n: number) =>
      producerDb.transaction((tx) =>
        outbox.add(tx, TYPED_TOPIC as never, 'typed-key', { eventId: randomUUID(), type, n } as never),
      );
    for (let n = 1; n <= 3; n++) await emitTyped('other', n);
    await emitTyped('wanted', 4); // same key: behind the others, so they were passed over first
    await waitFor(async () => (await applied()).some((r) => r.n === 4), { what: 'wanted event applied' });
    expect((await applied()).map((r) => r.n)).toEqual([4]);
    expect(typedParsed).toEqual(['wanted']);
    // Only the relay's EVENT_TYPE_HEADER told the consumer the type without parsing the value.
  });

  it('(h) a backlog read a few rows at a time (each read deleting the last one sent): every event once, in order, and the outbox emptied', async () => {
    const backlog = Array.from({ length: 7 }, (_, i) => ({ eventId: randomUUID(), n: 20 + i }));
    for (const e of backlog) await emit(e, 'backlog-key');
    const sent: string[] = [];

    startRelay((ids) => void sent.push(...ids), 2);

    await waitFor(async () => (await applied()).length === backlog.length, { what: 'the backlog applied' });
    expect((await applied()).map((r) => r.n)).toEqual(backlog.map((e) => e.n));
    await waitFor(async () => (await producerDb.query('SELECT 1 FROM outbox')).length === 0, {
      what: 'the outbox emptied',
    });
    expect(new Set(sent).size).toBe(sent.length);
    expect(sent).toHaveLength(backlog.length);
    for (const e of backlog) expect(deliveries.get(e.eventId)).toBe(1);
  });
});
