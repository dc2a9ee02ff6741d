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

  /**
   * `ids`' inbox insert carried by a locking read of `rows`, in a transaction of its own: what the
   * statement returned, what `rowsOf` and `fresh` made of it, and the rows it held locked.
   */
  async function carry(ids: string[], rows: number[]) {
    const inbox = new CarriedInbox(ids, 'test');
    const { sql, params } = inbox.wrap(
      { sql: 'SELECT id, v FROM locked WHERE id = ANY($1::int[]) ORDER BY id FOR UPDATE', params: [rows] },
      ['id', 'v'],
    );
    await db.query('BEGIN');
    try {
      const raw = (await db.query<{ inbox_fresh_ids: string[] | null; id: number; v: string }>(sql, params))
        .rows;
      const locked = (
        await db.query<{ id: number }>(
          'SELECT id FROM locked WHERE xmax = pg_current_xact_id()::xid ORDER BY id',
        )
      ).rows.map((r) => r.id);
      await db.query('COMMIT');
      const selected = inbox.rowsOf(raw, (r) => r.id !== null);
      return { raw, selected, fresh: [...inbox.fresh!].sort(), locked };
    } catch (err) {
      await db.query('ROLLBACK');
      throw err;
    }
  }

  const idsNamed = (prefix: string, n: number) =>
    Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(2, '0')}`);

  it('locks the rows and returns them in order, the fresh ids on the first of them only', async () => {
    const ids = idsNamed('first', 40);

    const { raw, selected, fresh, locked } = await carry(ids, [30, 10, 20]);

    expect(selected).toEqual([
      { id: 10, v: 'row 10' },
      { id: 20, v: 'row 20' },
      { id: 30, v: 'row 30' },
    ]);
    expect(locked).toEqual([10, 20, 30]);
    expect(fresh).toEqual(ids);
    expect(raw.map((r) => r.inbox_fresh_ids?.length ?? null)).toEqual([40, null, null]);
  });

  it('tells the ids already applied from the fresh ones', async () => {
    await carry(idsNamed('again', 2), [1]);

    const { fresh } = await carry([...idsNamed('again', 2), 'again-new'], [1, 2]);

    expect(fresh).toEqual(['again-new']);
  });

  it('carries the fresh ids when the read locks no row', async () => {
    const { raw, selected, fresh, locked } = await carry(['none-00'], [999]);

    expect(selected).toEqual([]);
    expect(locked).toEqual([]);
    expect(fresh).toEqual(['none-00']);
    expect(raw).toHaveLength(1);
  });

  it('carries an empty set when every id was applied before', async () => {
    await carry(['seen-00'], [5]);

    const { selected, fresh } = await carry(['seen-00'], [5]);

    expect(selected).toEqual([{ id: 5, v: 'row 5' }]);
    expect(fresh).toEqual([]);
  });
});
