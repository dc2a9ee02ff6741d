import { Client } from 'pg';
import { DataSource, QueryFailedError } from 'typeorm';
import { BeginRidesClient, prepared } from '@pupitre/shared';
import { isolatedTestEnv } from '@pupitre/shared/testing';

/**
 * Issue 7, capacity: a transaction's BEGIN rides with its first statement (BeginRidesClient), so a
 * transaction costs one round trip less, and nothing else changes: what runs inside it, what a
 * failure undoes, what node-postgres remembers of the statements it prepared. On a real PostgreSQL,
 * through TypeORM's transactions as the services run them; round trips are counted as the server's
 * ReadyForQuery messages, never timed.
 */
describe(BeginRidesClient.name, () => {
  let db: DataSource;
  let url: string;
  let observer: Client;

  beforeAll(async () => {
    url = (await isolatedTestEnv('beginrides')).databaseUrl;
    db = await new DataSource({
      type: 'postgres',
      url,
      extra: { max: 2, Client: BeginRidesClient },
    }).initialize();
    await db.query('CREATE TABLE item (id int PRIMARY KEY, note text)');
    observer = new Client({ connectionString: url });
    await observer.connect();
  });

  afterAll(async () => {
    await observer?.end();
    await db?.destroy();
  });

  beforeEach(() => db.query('TRUNCATE item'));

  interface Internals {
    connection: {
      on(event: 'readyForQuery', fn: () => void): void;
      off(event: 'readyForQuery', fn: () => void): void;
      parsedStatements: Record<string, string>;
      submittedNamedStatements: Record<string, string>;
    };
  }

  /**
   * Runs `work` in a TypeORM transaction on one of the pool's clients and counts the round trips its
   * client made, START TRANSACTION to COMMIT or ROLLBACK.
   */
  async function inTransaction<T>(
    work: (q: (sql: unknown, params?: unknown[]) => Promise<unknown>) => Promise<T>,
  ): Promise<{ result?: T; error?: unknown; roundTrips: number; client: Client & Internals }> {
    const runner = db.createQueryRunner();
    const client = (await runner.connect()) as Client & Internals;
    let roundTrips = 0;
    const count = () => roundTrips++;
    client.connection.on('readyForQuery', count);
    try {
      await runner.startTransaction();
      try {
        const result = await work((sql, params) => runner.query(sql as string, params));
        await runner.commitTransaction();
        return { result, roundTrips, client };
      } catch (error) {
        await runner.rollbackTransaction();
        return { error, roundTrips, client };
      }
    } finally {
      client.connection.off('readyForQuery', count);
      await runner.release();
    }
  }

  const stored = async () =>
    (await observer.query<{ id: number }>('SELECT id FROM item ORDER BY id')).rows.map((r) => r.id);

  it('runs the statements in one transaction, BEGIN in the first round trip', async () => {
    const { result, roundTrips } = await inTransaction(async (q) => {
      const first = await q('INSERT INTO item (id, note) VALUES ($1, $2) RETURNING id', [1, 'one']);
      // Not visible from another session before COMMIT: the insert ran inside the transaction.
      const outside = await stored();
      const inside = await q('SELECT id, note FROM item');
      const xact = await q('SELECT pg_current_xact_id_if_assigned() IS NOT NULL AS assigned');
      return { first, outside, inside, xact };
    });
    expect(result).toEqual({
      first: [{ id: 1 }],
      outside: [],
      inside: [{ id: 1, note: 'one' }],
      xact: [{ assigned: true }],
    });
    // BEGIN with the insert, the select, the xact id, COMMIT: four, where it took five.
    expect(roundTrips).toBe(4);
    expect(await stored()).toEqual([1]);
  });

  it('a first statement of text alone has BEGIN on its own before it, inside the transaction', async () => {
    // PostgreSQL parses a whole simple Query before running any of it: a syntax error in `BEGIN;<text>`
    // would stop BEGIN, and a statement queued behind would run on its own. Several commands in one
    // text (a migration's) stay one statement.
    const { result, roundTrips } = await inTransaction(async (q) => {
      await q("INSERT INTO item (id, note) VALUES (2, 'two'); INSERT INTO item (id) VALUES (6)");
      const outside = await stored();
      return { outside, inside: await q('SELECT array_agg(id ORDER BY id) AS ids FROM item') };
    });
    expect(result).toEqual({ outside: [], inside: [{ ids: [2, 6] }] });
    expect(roundTrips).toBe(4);
    expect(await stored()).toEqual([2, 6]);
  });

  it('a first statement of text alone that does not parse takes down what was queued behind it', async () => {
    const { error } = await inTransaction((q) =>
      Promise.all([q('SELEC 1'), q('INSERT INTO item (id) VALUES ($1)', [8])]),
    );
    expect((error as { driverError: { code: string } }).driverError.code).toBe('42601');
    expect(await stored()).toEqual([]);
  });

  it('an isolation level, the first statement after BEGIN, holds for the transaction', async () => {
    const level = await db.transaction('SERIALIZABLE', (tx) => tx.query('SHOW transaction_isolation'));
    expect(level).toEqual([{ transaction_isolation: 'serializable' }]);
  });

  it('a rollback undoes what the first statement did', async () => {
    const { error } = await inTransaction(async (q) => {
      await q('INSERT INTO item (id) VALUES ($1)', [3]);
      throw new Error('changed its mind');
    });
    expect(error).toEqual(new Error('changed its mind'));
    expect(await stored()).toEqual([]);
  });

  it('a transaction that ends before its first statement costs no round trip', async () => {
    const committed = await inTransaction(async () => 'nothing');
    expect(committed).toMatchObject({ result: 'nothing', roundTrips: 0 });
    const rolledBack = await inTransaction(async () => {
      throw new Error('before anything');
    });
    expect(rolledBack).toMatchObject({ error: new Error('before anything'), roundTrips: 0 });
  });

  it('a BEGIN held when its client goes back to the pool does not ride with the next borrower', async () => {
    const left = db.createQueryRunner();
    const client = await left.connect();
    await left.startTransaction();
    await left.release(); // neither committed nor rolled back: the transaction never reached the server
    const next = db.createQueryRunner();
    expect(await next.connect()).toBe(client); // the pool gives out its most recent client first
    try {
      await next.query('INSERT INTO item (id) VALUES ($1)', [4]);
      // Committed on its own, not held in a transaction nobody ends.
      expect(await stored()).toEqual([4]);
    } finally {
      await next.release();
    }
  });

  it('a first statement that fails fails the transaction with its own error; the session stays usable', async () => {
    await db.query('INSERT INTO item (id) VALUES (5)');
    const { error, client } = await inTransaction((q) => q('INSERT INTO item (id) VALUES ($1)', [5]));
    expect(error).toBeInstanceOf(QueryFailedError);
    expect((error as { driverError: { code: string } }).driverError.code).toBe('23505');
    expect(client.getTransactionStatus()).toBe('I');
    const { result } = await inTransaction((q) => q('SELECT count(*)::int AS n FROM item'));
    expect(result).toEqual([{ n: 1 }]);
  });

  it("keeps node-postgres's record of prepared statements: parsed once, forgotten if Parse failed", async () => {
    const select = prepared('SELECT $1::int + 1 AS n');
    const first = await inTransaction((q) => q(select, [1]));
    const again = await inTransaction((q) => q(prepared('SELECT $1::int + 1 AS n'), [2]));
    expect([first.result, again.result]).toEqual([[{ n: 2 }], [{ n: 3 }]]);
    // Same client (the pool's most recent): recorded as parsed once its own Parse completed.
    expect(again.client).toBe(first.client);
    expect(first.client.connection.parsedStatements[select.name]).toBe(select.text);
    // Run again as the first statement, it was only bound: PostgreSQL refuses a second Parse of a name
    // ("already exists"), so a missing record would have failed `again`.
    expect([first.roundTrips, again.roundTrips]).toEqual([2, 2]);

    const broken = prepared('SELEC $1::int');
    const failed = await inTransaction((q) => q(broken, [1]));
    expect((failed.error as { driverError: { code: string } }).driverError.code).toBe('42601');
    const { connection } = failed.client;
    expect(connection.parsedStatements[broken.name]).toBeUndefined();
    expect(connection.submittedNamedStatements[broken.name]).toBeUndefined();
  });

  it('values are written as node-postgres writes them (dates, JSON, arrays, nulls)', async () => {
    const at = new Date('2026-12-08T10:00:00.123Z');
    const { result } = await inTransaction((q) =>
      q('SELECT $1::timestamptz AS at, $2::jsonb AS doc, $3::text[] AS list, $4::text AS nothing', [
        at,
        JSON.stringify({ a: [1, 2] }),
        ['x', 'y'],
        null,
      ]),
    );
    expect(result).toEqual([{ at, doc: { a: [1, 2] }, list: ['x', 'y'], nothing: null }]);
  });

  it('concurrent transactions on the pool stay apart', async () => {
    // Both insert, then both read, and only then either commits (each statement of a READ COMMITTED
    // transaction sees what committed before it began): each sees its own row only.
    const barrier = (parties: number) => {
      let arrived = 0;
      let open!: () => void;
      const opened = new Promise<void>((resolve) => (open = resolve));
      return () => (++arrived === parties && open(), opened);
    };
    const inserted = barrier(2);
    const read = barrier(2);
    const results = await Promise.all(
      [10, 11].map((id) =>
        inTransaction(async (q) => {
          await q('INSERT INTO item (id) VALUES ($1)', [id]);
          await inserted();
          const ids = await q('SELECT array_agg(id ORDER BY id) AS ids FROM item');
          await read();
          return ids;
        }),
      ),
    );
    expect(results.map((r) => r.result)).toEqual([[{ ids: [10] }], [{ ids: [11] }]]);
    expect(results[0].client).not.toBe(results[1].client);
    expect(await stored()).toEqual([10, 11]);
  });

  it('a query with a callback after a held BEGIN is sent after BEGIN, inside the transaction', async () => {
    const client = new BeginRidesClient({ connectionString: url });
    await client.connect();
    try {
      await client.query('START TRANSACTION');
      await new Promise<void>((resolve, reject) =>
        client.query('INSERT INTO item (id) VALUES (20)', (err: Error | null) =>
          err ? reject(err) : resolve(),
        ),
      );
      expect(client.getTransactionStatus()).toBe('T');
      expect(await stored()).toEqual([]);
      await client.query('ROLLBACK');
      expect(await stored()).toEqual([]);
    } finally {
      await client.end();
    }
  });

  it('a BEGIN whose config carries its callback is sent at once, and the callback called', async () => {
    const client = new BeginRidesClient({ connectionString: url });
    await client.connect();
    try {
      await new Promise<void>((resolve, reject) =>
        client.query({
          text: 'BEGIN',
          callback: (err: Error | null) => (err ? reject(err) : resolve()),
        } as never),
      );
      expect(client.getTransactionStatus()).toBe('T');
      await client.query('ROLLBACK');
    } finally {
      await client.end();
    }
  });
});
