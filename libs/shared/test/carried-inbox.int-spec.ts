import { Client } from 'pg';
import type { QueryRunner } from 'typeorm';
import { CarriedInbox, createMessagingTables } from '@pupitre/shared';
import { isolatedTestEnv } from '@pupitre/shared/testing';

/**
 * Issue 7, cost grows with the work: a batch's inbox insert carried by its locking read returns the
 * batch's fresh ids once, not on every row it locks. On a real PostgreSQL, through node-postgres as
 * the services use it.
 */
describe(CarriedInbox.name, () => {
  let db: Client;

  beforeAll(async () => {
    db = new Client({ connectionString: (await isolatedTestEnv('carriedinbox')).databaseUrl });
    await db.connect();
    await createMessagingTables({ query: (sql: string) => db.query(sql) } as unknown as QueryRunner);
    await db.query('CREATE TABLE locked (id int PRIMARY KEY, v text NOT NULL)');
    await db.query(`INSERT INTO locked SELECT i, 'row ' || i FROM generate_series(1, 50) AS i`);
  });

  afterAll(() => db?.end());

  /** Runs `ids`' inbox insert carried by a locking read of `rows`, in a transaction of its own. */
  async function carry(ids: string[], rows: number[]) {
    const inbox = new CarriedInbox(ids, 'test');
    const { sql, params } = inbox.wrap(
      { sql: 'SELECT id, v FROM locked WHERE id = ANY($1::int[]) ORDER BY id FOR UPDATE', params: [rows] },
      ['id', 'v'],
    );
    await db.query('BEGIN');
    const raw = (await db.query<{ inbox_fresh_ids: string[] | null; id: number; v: string }>(sql, params))
      .rows;
    await db.query('COMMIT');
    const selected = inbox.rowsOf(raw, (r) => r.id !== null);
    return { raw, selected, fresh: [...inbox.fresh!].sort() };
  }

  it('returns the rows in their order, and the fresh ids on the first of them only', async () => {
    const ids = Array.from({ length: 40 }, (_, i) => `event-${String(i).padStart(2, '0')}`);

    const { raw, selected, fresh } = await carry(ids, [30, 10, 20]);

    expect(selected).toEqual([
      { id: 10, v: 'row 10' },
      { id: 20, v: 'row 20' },
      { id: 30, v: 'row 30' },
    ]);
    expect(fresh).toEqual(ids);
    expect(raw.map((r) => r.inbox_fresh_ids?.length ?? null)).toEqual([40, null, null]);
  });

  it('tells the ids already applied from the fresh ones', async () => {
    const { fresh } = await carry(['event-00', 'event-39', 'event-40'], [1, 2]);

    expect(fresh).toEqual(['event-40']);
  });

  it('carries the fresh ids when the read locks no row', async () => {
    const { raw, selected, fresh } = await carry(['event-41'], [999]);

    expect(selected).toEqual([]);
    expect(fresh).toEqual(['event-41']);
    expect(raw).toHaveLength(1);
  });

  it('carries an empty set when every id was applied before', async () => {
    const { selected, fresh } = await carry(['event-41'], [5]);

    expect(selected).toEqual([{ id: 5, v: 'row 5' }]);
    expect(fresh).toEqual([]);
  });
});
