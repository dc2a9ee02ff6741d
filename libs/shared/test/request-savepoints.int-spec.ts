import type { KafkaContext } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import {
  carriedCtes,
  createMessagingTables,
  type DeferredWriteKind,
  DomainError,
  Inbox,
  kafkaEnvSchema,
  KafkaProducer,
  Outbox,
  parseEnv,
  RequestHandler,
  RequestProcessor,
  systemClock,
  writeBehind,
} from '@pupitre/shared';
import { isolatedTestEnv, statementLog, StatementLog } from '@pupitre/shared/testing';

type Batch = Parameters<RequestProcessor['applyBatch']>[0];

/**
 * Issue 7, capacity: a handler that refuses only in its first reads (`readsBeforeWrites`) runs without
 * a savepoint in a batch, one round trip less. Its promise is checked: a refusal after its reads fails
 * the batch, which is applied again one by one, each request under its savepoint, so that what the
 * refused request wrote is undone and its neighbours are applied. RequestProcessor on a real
 * PostgreSQL; the test hands it a batch as the batch consumer would, and reads the replies it sends.
 */
describe(`${RequestProcessor.name}: handlers that refuse before they write`, () => {
  let db: DataSource;
  let log: StatementLog;
  let sut: RequestProcessor;
  const sent: { requestId: string; ok: boolean; data?: unknown }[] = [];
  let runs = 0;
  let env: Awaited<ReturnType<typeof isolatedTestEnv>>;
  const committedRuns: number[] = [];

  beforeAll(async () => {
    env = await isolatedTestEnv('reqsavepoints');
    db = await new DataSource({ type: 'postgres', url: env.databaseUrl }).initialize();
    const q = db.createQueryRunner();
    await createMessagingTables(q);
    await q.query('CREATE TABLE written (request_id text PRIMARY KEY)');
    await q.release();
    const quiet = { warn: () => undefined, error: () => undefined };
    const inbox = new Inbox({
      dataSource: db,
      outbox: new Outbox('public'),
      env: parseEnv(kafkaEnvSchema, env.vars),
      consumer: 'requests',
      logger: quiet,
    });
    const producer = {
      send: async (_topic: string, messages: { value: string }[]) => {
        sent.push(...messages.map((m) => JSON.parse(m.value)));
      },
    } as unknown as KafkaProducer;
    sut = new RequestProcessor(inbox, db, producer, systemClock, quiet);
    log = statementLog(db);
  });

  afterAll(async () => {
    log?.stop();
    await db?.destroy();
  });

  const write = (tx: { query(sql: string, params: unknown[]): Promise<unknown> }, requestId: string) =>
    tx.query('INSERT INTO written (request_id) VALUES ($1)', [requestId]);

  /** Writes held back (writeBehind) as the conversation's messages are, carrying the batch's inbox rows. */
  const heldWrites: DeferredWriteKind<string> = {
    carries: true,
    write: async (tx, requestIds, carried) => {
      const params: unknown[] = [requestIds];
      const ctes = carriedCtes(carried, params);
      await tx.query(
        `${ctes.length > 0 ? `WITH ${ctes.join(', ')} ` : ''}INSERT INTO written (request_id)
           SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`,
        params,
      );
    },
  };

  const handlers: Record<string, RequestHandler> = {
    write: { handle: (_d, tx, meta) => write(tx, meta.requestId) },
    // As the services' writes are: applied again, it changes nothing (a retry finds its earlier effect).
    // Its answer counts its runs, and its after-commit hook says which run committed.
    'write-once': {
      handle: async (_d, tx, meta) => {
        const run = ++runs;
        await tx.query('INSERT INTO written (request_id) VALUES ($1) ON CONFLICT DO NOTHING', [
          meta.requestId,
        ]);
        meta.afterCommit(() => committedRuns.push(run));
        return { run };
      },
    },
    // 'write-once', its write held back to the batch's end; it never refuses, so no savepoint flushes it.
    'hold-once': {
      readsBeforeWrites: 0,
      handle: async (_d, tx, meta) => {
        const run = ++runs;
        await writeBehind(tx, heldWrites, meta.requestId);
        meta.afterCommit(() => committedRuns.push(run));
        return { run };
      },
    },
    'refuse-in-read': {
      readsBeforeWrites: 1,
      handle: async (_d, tx) => {
        await tx.query('SELECT 1');
        throw new DomainError('FORBIDDEN', 'refused in its read');
      },
    },
    'read-then-write': {
      readsBeforeWrites: 1,
      handle: async (_d, tx, meta) => {
        await tx.query('SELECT 1');
        await write(tx, meta.requestId);
      },
    },
    'reply-unstorable': {
      handle: async (_d, tx, meta) => {
        await write(tx, meta.requestId);
        return { text: 'a\u0000b' };
      },
    },
    'refuse-after-write': {
      readsBeforeWrites: 1,
      handle: async (_d, tx, meta) => {
        await tx.query('SELECT 1');
        await write(tx, meta.requestId);
        throw new DomainError('FORBIDDEN', 'refused after its write, against its declaration');
      },
    },
  };

  /** The requests as the batch consumer enlists them, one key. */
  const batch = (ops: string[]): Batch =>
    ops.map((op, offset) => {
      const request = {
        requestId: randomUUID(),
        op,
        replyKey: 'test',
        sentAt: new Date().toISOString(),
        correlationId: randomUUID(),
        data: {},
      };
      const message = { key: 'key-1', value: request, offset: String(offset) };
      const ctx = {
        getMessage: () => message,
        getTopic: () => 'test.requests',
        getPartition: () => 0,
      } as unknown as KafkaContext;
      return { ctx, request, handler: handlers[op], started: performance.now() };
    });

  const outcomes = async (items: Batch) => {
    const ids = items.map((i) => i.request.requestId);
    const written: { request_id: string }[] = await db.query(
      'SELECT request_id FROM written WHERE request_id = ANY($1)',
      [ids],
    );
    return {
      replies: ids.map((id) => sent.find((s) => s.requestId === id)?.ok),
      written: ids.map((id) => written.some((w) => w.request_id === id)),
    };
  };

  it('a refusal in its reads: applied with its neighbours, in one transaction, without a savepoint of its own', async () => {
    const items = batch(['write', 'refuse-in-read', 'write']);
    const before = sut.batchStats().transactions;
    log.clear();

    await sut.applyBatch(items);

    expect(await outcomes(items)).toEqual({ replies: [true, false, true], written: [true, false, true] });
    expect(sut.batchStats().transactions).toBe(before + 1);
    const savepoints = log.transactions().flatMap((tx) => tx.filter((s) => s.sql === 'SAVEPOINT request'));
    expect(savepoints).toHaveLength(2);
  });

  it('a refusal after a write fails the batch: applied one by one, its write undone, its neighbours applied', async () => {
    const items = batch(['write', 'refuse-after-write', 'write']);
    const before = sut.batchStats().transactions;

    await sut.applyBatch(items);

    expect(await outcomes(items)).toEqual({ replies: [true, false, true], written: [true, false, true] });
    expect(sut.batchStats().transactions).toBe(before);
  });

  /**
   * Applies a request of `op`, then a batch of it again beside a new one. Both are answered as they
   * should be: the first attempt applied the redelivery again (run + 1, and run + 2 for the new one),
   * met its stored inbox row and rolled back; the second answered its stored reply and applied the new
   * one. The batch's statements are left in `log`.
   */
  async function redeliveredBesideANewOne(op: string): Promise<void> {
    const [first] = batch([op]);
    await sut.applyBatch([first]);
    const items = [first, ...batch([op])];
    sent.length = 0;
    committedRuns.length = 0;
    const run = runs;
    log.clear();

    await sut.applyBatch(items);

    expect(await outcomes(items)).toEqual({ replies: [true, true], written: [true, true] });
    expect(sent.map((s) => s.data)).toEqual([{ run }, { run: run + 3 }]);
    expect(committedRuns).toEqual([run + 3]);
  }

  it('a redelivered request in a batch gets its stored reply: the batch is applied again with the replies read first', async () => {
    await redeliveredBesideANewOne('write-once');

    const inboxReads = log
      .transactions()
      .filter((tx) => tx.some((s) => /SELECT message_id, reply FROM inbox/.test(s.sql)));
    expect(log.transactions().length).toBe(2);
    expect(inboxReads).toHaveLength(1);
  });

  it('a redelivered request whose write was held back: its inbox row, carried with the writes, fails the commit; applied anew', async () => {
    await redeliveredBesideANewOne('hold-once');

    // The first attempt wrote everything in one statement, found the stored row at commit, and rolled back.
    const [firstAttempt, second] = log.transactions();
    const writes = firstAttempt.filter((s) => /INTO (written|inbox)/.test(s.sql));
    expect(writes).toHaveLength(1);
    expect(writes[0].sql).toMatch(/^WITH carried_1 AS \(INSERT INTO inbox/);
    expect(second.some((s) => /SELECT message_id, reply FROM inbox/.test(s.sql))).toBe(true);
  });

  it('a redelivered request whose write meets a unique index when run again: applied anew with the replies read first', async () => {
    const [first] = batch(['write']);
    await sut.applyBatch([first]);
    const items = [first, ...batch(['write'])];
    sent.length = 0;
    const before = sut.batchStats().transactions;

    await sut.applyBatch(items);

    expect(await outcomes(items)).toEqual({ replies: [true, true], written: [true, true] });
    // As a consumer that still held the partition would have committed it: not one by one.
    expect(sut.batchStats().transactions).toBe(before + 1);
  });

  it('after a redelivery, batches read the stored replies first until one finds none; then they stop', async () => {
    log.clear();

    // Right after the redeliveries above: read first, found none.
    await sut.applyBatch(batch(['write', 'write']));
    await sut.applyBatch(batch(['write', 'write']));

    const reads = log.transactions().map((tx) => tx.some((s) => /FROM inbox/.test(s.sql)));
    expect(reads).toEqual([true, false]);
  });

  it('a lone request is applied as a batch of one: its stored reply not read, no savepoint when it refuses only in its reads', async () => {
    // A batch that reads the stored replies and finds none: later batches stop reading them.
    await sut.applyBatch(batch(['write', 'write']));
    const items = batch(['read-then-write']);
    log.clear();

    await sut.applyBatch(items);

    expect(await outcomes(items)).toEqual({ replies: [true], written: [true] });
    // Alone, it cost two round trips more: a read of its stored reply and a savepoint.
    const [tx, ...others] = log.transactions();
    expect(others).toEqual([]);
    expect(tx.filter((s) => /FROM inbox|SAVEPOINT/.test(s.sql))).toEqual([]);
  });

  it('a lone redelivered request gets its stored reply: what it did is not done again', async () => {
    const [first] = batch(['write-once']);
    await sut.applyBatch([first]);
    const [answered] = sent.filter((s) => s.requestId === first.request.requestId);
    sent.length = 0;
    committedRuns.length = 0;
    log.clear();

    await sut.applyBatch([first]);

    // Applied again, it met its inbox row at the insert and rolled back; then its stored reply was sent.
    expect(sent).toEqual([answered]);
    expect(committedRuns).toEqual([]);
    const reads = log.transactions().map((tx) => tx.some((s) => /SELECT message_id, reply/.test(s.sql)));
    expect(reads).toEqual([false, true]);
    expect(await outcomes([first])).toEqual({ replies: [true], written: [true] });
  });

  it('a lone request whose every attempt fails after its work is dead-lettered, not answered', async () => {
    const inbox = new Inbox({
      dataSource: db,
      outbox: new Outbox('public'),
      env: parseEnv(kafkaEnvSchema, env.vars),
      consumer: 'requests',
      logger: { warn: () => undefined, error: () => undefined },
      maxAttempts: 2,
      backoffMs: () => 0,
    });
    const quiet = { warn: () => undefined, error: () => undefined };
    const producer = {
      send: async (_topic: string, messages: { value: string }[]) => {
        sent.push(...messages.map((m) => JSON.parse(m.value)));
      },
    } as unknown as KafkaProducer;
    const processor = new RequestProcessor(inbox, db, producer, systemClock, quiet);
    // Its reply cannot be stored (jsonb refuses \u0000), so the inbox insert fails after its work.
    const [item] = batch(['reply-unstorable']);
    sent.length = 0;

    await processor.applyBatch([item]);

    // Its write was rolled back with the insert: no answer, whose 201 would be a lie; a dead letter.
    expect(sent).toEqual([]);
    expect(await outcomes([item])).toEqual({ replies: [undefined], written: [false] });
    const letters: unknown[] = await db.query('SELECT 1 FROM outbox WHERE payload::text LIKE $1', [
      `%${item.request.requestId}%`,
    ]);
    expect(letters).toHaveLength(1);
  });
});
