import { Controller, INestApplication, Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, KafkaContext } from '@nestjs/microservices';
import { TypeOrmModule } from '@nestjs/typeorm';
import { randomBytes, randomUUID } from 'node:crypto';
import { Consumer, Kafka } from 'kafkajs';
import { Client } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import {
  BatchHooks,
  ConsumerProgress,
  hasReached,
  createMessagingTables,
  ensureSchema,
  Inbox,
  KafkaEnv,
  kafkaEnvSchema,
  KafkaProducer,
  KafkaServer,
  MessagingModule,
  Outbox,
  outboxChannel,
  OutboxRelay,
  PARKED_HEADER,
  parseEnv,
  prefixed,
} from '@pupitre/shared';
import { isolatedTestEnv, TestEnv, waitFor } from '@pupitre/shared/testing';

interface TestEvent {
  eventId: string;
  n: number;
  poison?: boolean;
  /** Its after-commit hook throws. */
  hookThrows?: boolean;
  /** Its transaction takes this long (a lock wait, a slow statement). */
  sleepMs?: number;
  /** Idempotent by itself (ConsumeSpec.idempotent): applied with no inbox row, again on redelivery. */
  idempotent?: boolean;
}

/** How many times each event's handler ran, by event id. */
const handled = new Map<string, number>();

/** The events whose after-commit hook ran, in the order they ran. */
const hooksRun: number[] = [];

const TOPICS = [
  'batch.one',
  'batch.redelivery',
  'batch.poison',
  'batch.hooks',
  'batch.slow',
  'batch.prepared',
  'batch.locked',
  'batch.idempotent',
  'batch.partitions',
  'relay.big',
  'batch.commits',
];

/** A service consuming `topic` through the inbox into its own schema's `applied` table. */
function consumerModule(
  env: TestEnv,
  kafka: KafkaEnv,
  topic: string,
  schema: string,
  batch?: BatchHooks<TestEvent>,
) {
  @Controller()
  class TestConsumer {
    constructor(private readonly inbox: Inbox) {}

    async onEvent(ctx: KafkaContext): Promise<void> {
      await this.inbox.consume<TestEvent>(ctx, {
        batch,
        parse: (v) => v as TestEvent,
        id: (e) => e.eventId,
        idempotent: (e) => e.idempotent === true,
        handle: async (e, tx, afterCommit) => {
          handled.set(e.eventId, (handled.get(e.eventId) ?? 0) + 1);
          if (e.poison) throw new Error(`event ${e.n} cannot be applied`);
          if (e.sleepMs) await tx.query('SELECT pg_sleep($1)', [e.sleepMs / 1000]);
          afterCommit(() => {
            if (e.hookThrows) throw new Error(`hook of event ${e.n} failed`);
            hooksRun.push(e.n);
          });
          // An idempotent event's effect: applying it again changes nothing (others are applied once).
          await tx.query(
            `INSERT INTO applied (event_id, n, tx) VALUES ($1, $2, txid_current())
               ${e.idempotent ? 'ON CONFLICT (event_id) DO NOTHING' : ''}`,
            [e.eventId, e.n],
          );
        },
      });
    }
  }
  const method = Object.getOwnPropertyDescriptor(TestConsumer.prototype, 'onEvent')!;
  EventPattern(topic)(TestConsumer.prototype, 'onEvent', method);
  Ctx()(TestConsumer.prototype, 'onEvent', 0);

  @Module({
    imports: [
      TypeOrmModule.forRoot({
        type: 'postgres',
        url: env.databaseUrl,
        schema,
        extra: { options: `-c search_path=${schema}` },
      }),
      MessagingModule.forService({
        service: schema,
        schema,
        databaseUrl: env.databaseUrl,
        kafka,
        maxAttempts: 2,
      }),
    ],
    controllers: [TestConsumer],
  })
  class ConsumerModule {}
  return ConsumerModule;
}

describe('batches on the hot path', () => {
  let env: TestEnv;
  let kafka: KafkaEnv;
  let producer: KafkaProducer;
  const apps: INestApplication[] = [];
  const servers: KafkaServer[] = [];
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    env = await isolatedTestEnv('batching', [...TOPICS, ...TOPICS.map((t) => `${t}.dlq`)]);
    kafka = parseEnv(kafkaEnvSchema, env.vars);
    producer = new KafkaProducer(kafka, 'batching-test', { lingerMs: 0 });
  });

  afterAll(async () => {
    for (const c of cleanups) await c();
    for (const app of apps) await app.close();
    await producer?.disconnect();
  });

  /** Starts a consumer service on `topic` (after the test produced, so its first fetch holds the batch). */
  async function startConsumer(topic: string, batch?: BatchHooks<TestEvent>): Promise<DataSource> {
    const schema = `svc_${randomBytes(3).toString('hex')}`;
    await ensureSchema(env.databaseUrl, schema);
    const app = await NestFactory.create(consumerModule(env, kafka, topic, schema, batch), {
      logger: ['error'],
    });
    apps.push(app);
    const db = app.get(DataSource);
    const q = db.createQueryRunner();
    await createMessagingTables(q);
    // seq: the order the handlers ran in, within a transaction too.
    await q.query(
      'CREATE TABLE applied (event_id text PRIMARY KEY, n int NOT NULL, tx bigint NOT NULL, seq bigserial)',
    );
    await q.release();
    const server = new KafkaServer({ env: kafka, clientId: schema, groupId: schema, fromBeginning: true });
    servers.push(server);
    app.connectMicroservice({ strategy: server });
    await app.startAllMicroservices();
    await app.init();
    return db;
  }

  const produce = (topic: string, events: TestEvent[]) =>
    producer.sendBatch([
      { topic, messages: events.map((e) => ({ key: 'conversation-1', value: JSON.stringify(e) })) },
    ]);
  const applied = async (db: DataSource) =>
    (await db.query('SELECT event_id, n, tx FROM applied ORDER BY n')) as {
      event_id: string;
      n: number;
      tx: string;
    }[];
  const events = (from: number, count: number): TestEvent[] =>
    Array.from({ length: count }, (_, i) => ({ eventId: randomUUID(), n: from + i }));

  it('applies what a partition has ready in one transaction, with one inbox row per event', async () => {
    const batch = events(1, 50);
    await produce('batch.one', batch);
    const db = await startConsumer('batch.one');
    await waitFor(async () => (await applied(db)).length === 50, { what: '50 events applied' });
    const rows = await applied(db);
    expect(rows.map((r) => r.n)).toEqual(batch.map((e) => e.n));
    expect(new Set(rows.map((r) => r.tx)).size).toBe(1);
    const [{ count }] = await db.query('SELECT count(*)::int AS count FROM inbox');
    expect(count).toBe(50);
  });

  it("applies the partitions of one fetch together, each key's events in order", async () => {
    // Twelve keys spread over the topic's partitions; the consumer's first fetch holds them all.
    const keyed = events(1, 36).map((e, i) => ({ key: `conversation-${i % 12}`, event: e }));
    await producer.sendBatch([
      {
        topic: 'batch.partitions',
        messages: keyed.map(({ key, event }) => ({ key, value: JSON.stringify(event) })),
      },
    ]);
    const ends = await partitionEnds(kafka, 'batch.partitions');
    const partitionsWithEvents = ends.filter((e) => Number(e.high) > 0).length;
    expect(partitionsWithEvents).toBeGreaterThan(2);
    const db = await startConsumer('batch.partitions');
    await waitFor(async () => (await applied(db)).length === 36, { what: '36 events applied' });
    const rows = (await db.query('SELECT n, tx FROM applied ORDER BY seq')) as { n: number; tx: string }[];
    // Fewer transactions than partitions: the partitions' batches were applied together.
    expect(new Set(rows.map((r) => r.tx)).size).toBeLessThan(partitionsWithEvents);
    for (let k = 0; k < 12; k++) {
      const ns = rows.map((r) => r.n).filter((n) => (n - 1) % 12 === k);
      expect(ns).toEqual([...ns].sort((a, b) => a - b));
    }
  });

  it('applies a redelivered event once, within a batch and across batches', async () => {
    const first = events(1, 3);
    await produce('batch.redelivery', [...first, first[1], first[0]]);
    const db = await startConsumer('batch.redelivery');
    await waitFor(async () => (await applied(db)).length === 3, { what: 'first batch applied' });
    const marker = events(10, 1);
    await produce('batch.redelivery', [first[2], ...marker]);
    await waitFor(async () => (await applied(db)).some((r) => r.n === 10), { what: 'marker applied' });
    expect((await applied(db)).map((r) => r.n)).toEqual([1, 2, 3, 10]);
  });

  it('commits offsets at most once a second, the last ones once the second is over, and what is left on close', async () => {
    const db = await startConsumer('batch.commits');
    const app = apps[apps.length - 1];
    const { consumer } = servers[servers.length - 1] as unknown as { consumer: Consumer };
    const commits = jest.fn();
    consumer.on(consumer.events.COMMIT_OFFSETS, commits);
    const progress = new ConsumerProgress(kafka, (db.options as { schema: string }).schema, 'batch.commits');
    cleanups.push(() => progress.close());

    // Five batches, each applied before the next is sent: kafkajs alone commits after each of them.
    for (const e of events(1, 5)) {
      await produce('batch.commits', [e]);
      await waitFor(async () => (await applied(db)).some((r) => r.n === e.n), { what: `event ${e.n}` });
    }
    const ends = await progress.ends();
    await waitFor(async () => hasReached(ends, await progress.committed()), {
      what: 'the last offsets committed once the second is over',
    });
    expect(commits.mock.calls.length).toBeLessThan(5);

    // What is applied but not committed yet is committed when the consumer closes.
    await produce('batch.commits', events(6, 1));
    await waitFor(async () => (await applied(db)).length === 6, { what: 'event 6' });
    await app.close();
    apps.splice(apps.indexOf(app), 1);
    expect(hasReached(await progress.ends(), await progress.committed())).toBe(true);
  });

  it('dead-letters a poison event of a batch and applies the rest, in order', async () => {
    const batch = events(1, 5);
    batch[2].poison = true;
    await produce('batch.poison', batch);
    const db = await startConsumer('batch.poison');
    await waitFor(async () => (await applied(db)).length === 4, { what: 'the rest of the batch applied' });
    expect((await applied(db)).map((r) => r.n)).toEqual([1, 2, 4, 5]);

    const letters = await readAll(kafka, 'batch.poison.dlq', 1);
    expect(letters[0]).toMatchObject({ originalTopic: 'batch.poison', attempts: 2 });
    expect(JSON.parse(String(letters[0].value))).toMatchObject({ eventId: batch[2].eventId });
  });

  it('a throwing after-commit hook neither undoes the batch nor stops the other hooks', async () => {
    const batch = events(101, 5);
    batch[1].hookThrows = true;
    await produce('batch.hooks', batch);
    const db = await startConsumer('batch.hooks');
    await waitFor(async () => (await applied(db)).length === 5, { what: 'the batch applied' });
    await waitFor(() => hooksRun.filter((n) => n > 100).length === 4, { what: 'the other hooks run' });
    expect(hooksRun.filter((n) => n > 100)).toEqual([101, 103, 104, 105]);
    expect(new Set((await applied(db)).map((r) => r.tx)).size).toBe(1);
  });

  it('a batch slower than the Kafka session keeps its membership: no rebalance, applied once', async () => {
    // A flush may wait on a lock up to DATABASE_LOCK_TIMEOUT_MS (10 s) > the session (6 s). kafkajs
    // heartbeats only when asked: without heartbeats during the flush the member was evicted and rejoined.
    const joins = jest.spyOn(Logger.prototype, 'log');
    const slow = { eventId: randomUUID(), n: 201, sleepMs: kafka.KAFKA_SESSION_TIMEOUT_MS + 3000 };
    await produce('batch.slow', [slow, ...events(202, 2)]);
    const db = await startConsumer('batch.slow');
    await waitFor(async () => (await applied(db)).length === 3, {
      what: 'the slow batch applied',
      timeoutMs: 30000,
    });
    // Past the session: an evicted member would learn it at its next heartbeat and join again.
    await new Promise((r) => setTimeout(r, kafka.KAFKA_HEARTBEAT_INTERVAL_MS * 3));
    const groupJoins = joins.mock.calls.filter(([m]) => /^joined consumer group/.test(String(m)));
    joins.mockRestore();
    expect(groupJoins).toHaveLength(1);
    expect((await applied(db)).map((r) => r.n)).toEqual([201, 202, 203]);
  }, 60000);

  it("runs the consumer's batch hooks around its handlers, in their transaction, for fresh events only", async () => {
    const calls: { hook: string; ns: number[]; tx: string; appliedInTx: number }[] = [];
    const record = async (hook: string, ns: number[], tx: EntityManager) => {
      const [now] = await tx.query(
        `SELECT txid_current()::text AS tx,
                (SELECT count(*)::int FROM applied WHERE tx = txid_current()) AS "appliedInTx"`,
      );
      calls.push({ hook, ns, ...now });
    };
    const hooks: BatchHooks<TestEvent> = {
      prepare: (messages, tx) =>
        record(
          'prepare',
          messages.map((e) => e.n),
          tx,
        ),
      flush: (tx) => record('flush', [], tx),
    };
    const first = events(301, 3);
    await produce('batch.prepared', first);
    const db = await startConsumer('batch.prepared', hooks);
    await waitFor(async () => (await applied(db)).length === 3, { what: 'first batch applied' });
    await produce('batch.prepared', [first[1], ...events(304, 2)]); // a redelivery and two new ones
    await waitFor(async () => (await applied(db)).length === 5, { what: 'second batch applied' });

    const rows = await applied(db);
    const txOf = (n: number) => rows.find((r) => r.n === n)!.tx;
    expect(calls).toEqual([
      { hook: 'prepare', ns: [301, 302, 303], tx: txOf(301), appliedInTx: 0 },
      { hook: 'flush', ns: [], tx: txOf(301), appliedInTx: 3 },
      { hook: 'prepare', ns: [304, 305], tx: txOf(304), appliedInTx: 0 },
      { hook: 'flush', ns: [], tx: txOf(304), appliedInTx: 2 },
    ]);
  });

  it("runs the inbox insert in the statement of a consumer's lock hook, which sees every event", async () => {
    const locked: { ns: number[]; fresh: string[] }[] = [];
    const hooks: BatchHooks<TestEvent> = {
      lock: async (messages, tx, inbox) => {
        // Stands for a consumer's locking read of what its events change.
        const select = {
          sql: 'SELECT n FROM unnest($1::int[]) AS u (n) ORDER BY n',
          params: [messages.map((e) => e.n)],
        };
        const carried = inbox!.wrap(select, ['n']);
        const rows = inbox!.rowsOf<{ n: number }>(
          await tx.query(carried.sql, carried.params),
          (r) => r.n !== null,
        );
        expect(rows.map((r) => r.n)).toEqual(messages.map((e) => e.n).sort());
        locked.push({ ns: messages.map((e) => e.n), fresh: [...inbox!.fresh!] });
      },
      prepare: async () => undefined,
      flush: async () => undefined,
    };
    const first = events(501, 2);
    await produce('batch.locked', first);
    const db = await startConsumer('batch.locked', hooks);
    await waitFor(async () => (await applied(db)).length === 2, { what: 'first batch applied' });
    const later = events(503, 2);
    await produce('batch.locked', [first[0], ...later]); // a redelivery and two new ones
    await waitFor(async () => (await applied(db)).length === 4, { what: 'second batch applied' });

    expect((await applied(db)).map((r) => r.n)).toEqual([501, 502, 503, 504]);
    expect(handled.get(first[0].eventId)).toBe(1);
    // The lock saw the redelivery; the handlers did not.
    expect(locked).toEqual([
      { ns: [501, 502], fresh: expect.arrayContaining(first.map((e) => e.eventId)) },
      { ns: [501, 503, 504], fresh: expect.arrayContaining(later.map((e) => e.eventId)) },
    ]);
    expect(locked[1].fresh).toHaveLength(2);
    const inbox = (await db.query('SELECT message_id FROM inbox')) as { message_id: string }[];
    expect(inbox).toHaveLength(4);
  });

  it('an event idempotent by itself leaves no inbox row and is handled again when redelivered', async () => {
    const [plain, same] = events(401, 2);
    same.idempotent = true;
    // Within one batch, then across batches.
    await produce('batch.idempotent', [same, plain, same]);
    const db = await startConsumer('batch.idempotent');
    await waitFor(async () => (await applied(db)).length === 2, { what: 'first batch applied' });
    const marker = events(410, 1);
    await produce('batch.idempotent', [same, plain, ...marker]);
    await waitFor(async () => (await applied(db)).some((r) => r.n === 410), { what: 'marker applied' });

    expect((await applied(db)).map((r) => r.n)).toEqual([401, 402, 410]);
    const inbox = (await db.query('SELECT message_id FROM inbox')) as { message_id: string }[];
    expect(inbox.map((r) => r.message_id).sort()).toEqual([plain.eventId, marker[0].eventId].sort());
    expect(handled.get(same.eventId)).toBe(3);
    expect(handled.get(plain.eventId)).toBe(1);
  });

  describe('the outbox relay', () => {
    let db: DataSource;
    const schema = 'relay_src';
    const outbox = new Outbox(schema);
    const parkedErrors: string[] = [];

    beforeAll(async () => {
      await ensureSchema(env.databaseUrl, schema);
      db = new DataSource({
        type: 'postgres',
        url: env.databaseUrl,
        schema,
        extra: { options: `-c search_path=${schema}` },
      });
      await db.initialize();
      const q = db.createQueryRunner();
      await createMessagingTables(q);
      await q.release();
      cleanups.push(() => db.destroy());
    });

    /** A relay of this schema, started, stopped at the end of the file at the latest. */
    const startRelay = (error: (message: string) => void = (m) => new Logger('relay').error(m)) => {
      const relay = new OutboxRelay({
        databaseUrl: env.databaseUrl,
        schema,
        producer,
        logger: { log: () => undefined, error },
        pollIntervalMs: 200,
      });
      relay.start();
      cleanups.push(() => relay.stop());
      return relay;
    };
    const unpublished = async () =>
      (await db.query('SELECT count(*)::int AS count FROM outbox WHERE published_at IS NULL'))[0].count;

    it('publishes many large rows in byte-capped, compressed requests (they used to wedge it)', async () => {
      // 40 rows of ~60 KB for one key: 2.4 MB in one partition's record batch, over message.max.bytes (~1 MB).
      const filler = randomBytes(45_000).toString('base64');
      await db.transaction(async (tx) => {
        for (let n = 1; n <= 40; n++) {
          await outbox.add(tx, 'relay.big' as never, 'conversation-1', { n, filler } as never);
        }
      });
      const relay = startRelay();
      await waitFor(async () => (await unpublished()) === 0, { what: 'all rows published' });
      await relay.stop();
      expect(await producedTo(kafka, 'relay.big')).toBe(40);
    });

    it("wakes this process's leading relay after the commit instead of notifying through PostgreSQL", async () => {
      const relay = startRelay();
      await waitFor(() => relay.leading, { what: 'the relay leads' });
      const local = new Outbox(schema);
      local.wakeInProcess(db, relay);
      const nudges = jest.spyOn(relay, 'nudge');
      const listener = new Client({ connectionString: env.databaseUrl });
      await listener.connect();
      cleanups.push(() => listener.end());
      const heard: string[] = [];
      listener.on('notification', (n) => heard.push(n.channel));
      await listener.query(`LISTEN "${outboxChannel(schema)}"`);

      let nudgedBeforeCommit = -1;
      await db.transaction(async (tx) => {
        await local.add(tx, 'relay.big' as never, 'conversation-z', { n: 200 } as never);
        // A nested transaction is a savepoint: releasing it commits nothing yet.
        await tx.transaction((inner) =>
          local.add(inner, 'relay.big' as never, 'conversation-z', { n: 201 } as never),
        );
        nudgedBeforeCommit = nudges.mock.calls.length;
      });
      expect(nudgedBeforeCommit).toBe(0);
      expect(nudges).toHaveBeenCalledTimes(1);
      await waitFor(async () => (await unpublished()) === 0, { what: 'both rows published' });

      // An outbox without a local relay (another process's) notifies: the listener hears that one only.
      await db.transaction((tx) =>
        new Outbox(schema).add(tx, 'relay.big' as never, 'conversation-z', { n: 202 } as never),
      );
      await waitFor(() => heard.length > 0, { what: 'the notification' });
      await waitFor(async () => (await unpublished()) === 0, { what: 'the third row published' });
      expect(heard).toEqual([outboxChannel(schema)]);
      await relay.stop();
    });

    it('parks a row larger than the broker accepts and publishes the rows behind it', async () => {
      const before = await producedTo(kafka, 'relay.big');
      const huge = randomBytes(1_600_000).toString('base64'); // ~2.1 MB, incompressible
      await db.transaction(async (tx) => {
        await outbox.add(tx, 'relay.big' as never, 'conversation-x', { n: 100, huge } as never);
        await outbox.add(tx, 'relay.big' as never, 'conversation-x', { n: 101 } as never);
        await outbox.add(tx, 'relay.big' as never, 'conversation-y', { n: 102 } as never);
      });
      const relay = startRelay((m) => void parkedErrors.push(m));
      await waitFor(async () => (await unpublished()) === 0, {
        what: 'the rows behind the huge one published',
      });
      await relay.stop();
      expect(await producedTo(kafka, 'relay.big')).toBe(before + 2);
      expect(relay.stats().parked).toBe(1);
      const parked = await db.query(`SELECT payload->>'n' AS n FROM outbox WHERE headers ? $1`, [
        PARKED_HEADER,
      ]);
      expect(parked).toEqual([{ n: '100' }]);
      expect(parkedErrors.join('\n')).toMatch(/larger than the broker accepts: parked/);
    });
  });

  describe('the producer linger', () => {
    it('coalesces concurrent sends into few produce requests and resolves every caller', async () => {
      const lingering = new KafkaProducer(kafka, 'linger-test', { lingerMs: 20 });
      cleanups.push(() => lingering.disconnect());
      await lingering.connect();
      const before = await producedTo(kafka, 'batch.one');
      const sends = Array.from({ length: 100 }, (_, i) =>
        lingering.send('batch.one', [
          { key: `k${i}`, value: JSON.stringify({ eventId: randomUUID(), n: 1000 + i }) },
        ]),
      );
      await Promise.all(sends);
      expect(lingering.stats().messages).toBe(100);
      expect(lingering.stats().batches).toBeLessThan(10);
      expect(await producedTo(kafka, 'batch.one')).toBe(before + 100);
    });

    it('rejects only the caller whose message the broker refused', async () => {
      const lingering = new KafkaProducer(kafka, 'linger-refused', { lingerMs: 20 });
      cleanups.push(() => lingering.disconnect());
      await lingering.connect();
      const small = (i: number) =>
        lingering.send('batch.one', [{ key: `s${i}`, value: JSON.stringify({ i }) }]);
      const results = await Promise.allSettled([
        small(1),
        lingering.send('batch.one', [{ key: 'big', value: randomBytes(1_600_000).toString('base64') }]),
        small(2),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    });
  });
});

/** Each partition's end offset on `topic` (its admin connection closed after). */
async function partitionEnds(kafka: KafkaEnv, topic: string) {
  const progress = new ConsumerProgress(kafka, 'unused', topic);
  try {
    return await progress.ends();
  } finally {
    await progress.close();
  }
}

async function producedTo(kafka: KafkaEnv, topic: string): Promise<number> {
  return (await partitionEnds(kafka, topic)).reduce((n, e) => n + Number(e.high), 0);
}

async function readAll(kafka: KafkaEnv, topic: string, atLeast: number) {
  const consumer = new Kafka({ clientId: 'dlq-reader', brokers: kafka.KAFKA_BROKERS, logLevel: 0 }).consumer({
    groupId: prefixed(kafka, `reader-${randomUUID()}`),
  });
  const seen: Record<string, unknown>[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic: prefixed(kafka, topic), fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => void seen.push(JSON.parse(String(message.value))),
  });
  try {
    await waitFor(() => seen.length >= atLeast, {
      what: `${atLeast} message(s) on ${topic}`,
      timeoutMs: 20000,
    });
  } finally {
    await consumer.disconnect();
  }
  return seen;
}
