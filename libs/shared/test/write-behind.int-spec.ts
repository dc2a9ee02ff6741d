import { DataSource, EntityManager } from 'typeorm';
import {
  type CarriedWrite,
  carriedCtes,
  type DeferredWriteKind,
  flushWrites,
  writeBehind,
  writeCarried,
  writesBehind,
} from '@pupitre/shared';
import { isolatedTestEnv, statementLog, StatementLog } from '@pupitre/shared/testing';

/**
 * Issue 7, capacity: writes held back (writeBehind) are written together just before the
 * transaction's next statement, in the order given, or thrown away with a rollback. On a real
 * PostgreSQL, through TypeORM's transactions as the services run them.
 */
describe(writeBehind.name, () => {
  let db: DataSource;
  let log: StatementLog;

  beforeAll(async () => {
    const env = await isolatedTestEnv('writebehind');
    db = await new DataSource({ type: 'postgres', url: env.databaseUrl }).initialize();
    await db.query(
      'CREATE TABLE written (n bigserial PRIMARY KEY, kind text NOT NULL, item text UNIQUE NOT NULL)',
    );
    log = statementLog(db);
  });

  afterAll(async () => {
    log?.stop();
    await db?.destroy();
  });

  beforeEach(async () => {
    await db.query('TRUNCATE written');
    log.clear();
  });

  /** Writes its items in one multi-row insert, numbered in the order given. */
  const kind = (name: string): DeferredWriteKind<string> => ({
    write: async (tx, items) => {
      await tx.query(
        `INSERT INTO written (kind, item)
           SELECT $1, i FROM unnest($2::text[]) WITH ORDINALITY AS t (i, n) ORDER BY t.n`,
        [name, items],
      );
    },
  });
  const a = kind('a');
  const b = kind('b');
  /** `kind`, carrying the writes it is handed as CTEs of its insert. */
  const carrying: DeferredWriteKind<string> = {
    carries: true,
    write: async (tx, items, carried) => {
      const params: unknown[] = ['c', items];
      const ctes = carriedCtes(carried, params);
      await tx.query(
        `${ctes.length > 0 ? `WITH ${ctes.join(', ')} ` : ''}INSERT INTO written (kind, item)
           SELECT $1, i FROM unnest($2::text[]) WITH ORDINALITY AS t (i, n) ORDER BY t.n`,
        params,
      );
    },
  };
  /** A write of one row that rides in another statement. */
  const note =
    (item: string): CarriedWrite =>
    (before) => ({ sql: `INSERT INTO written (kind, item) VALUES ('note', $${before + 1})`, params: [item] });

  const written = async () =>
    (await db.query('SELECT kind, item FROM written ORDER BY n')).map(
      (r: { kind: string; item: string }) => `${r.kind}:${r.item}`,
    );
  const inserts = () =>
    log
      .transactions()
      .flat()
      .filter((s) => s.sql.includes('INSERT INTO written'));

  it('writes what was held back in one statement before the next one, which sees it', async () => {
    let seen: unknown;
    await db.transaction(async (tx) => {
      await writeBehind(tx, a, 'one');
      await writeBehind(tx, a, 'two');
      expect(writesBehind(tx)).toBe(2);
      seen = await tx.query('SELECT count(*)::int AS n FROM written');
      expect(writesBehind(tx)).toBe(0);
    });

    expect(seen).toEqual([{ n: 2 }]);
    expect(inserts()).toHaveLength(1);
    expect(await written()).toEqual(['a:one', 'a:two']);
  });

  it('keeps the order of different kinds: a run of one kind is one statement', async () => {
    await db.transaction(async (tx) => {
      await writeBehind(tx, a, '1');
      await writeBehind(tx, a, '2');
      await writeBehind(tx, b, '3');
      await writeBehind(tx, a, '4');
    });

    expect(inserts()).toHaveLength(3);
    expect(await written()).toEqual(['a:1', 'a:2', 'b:3', 'a:4']);
  });

  it('statements run together (Promise.all) all wait for the flush, and see every kind held back', async () => {
    let seen: unknown[] = [];
    await db.transaction(async (tx) => {
      await writeBehind(tx, a, 'x');
      await writeBehind(tx, b, 'y');
      seen = await Promise.all([
        tx.query('SELECT count(*)::int AS n FROM written'),
        tx.query('SELECT count(*)::int AS n FROM written'),
      ]);
    });

    expect(seen).toEqual([[{ n: 2 }], [{ n: 2 }]]);
  });

  it('writes at COMMIT what nothing else flushed, and holds nothing back after it', async () => {
    await db.transaction((tx) => writeBehind(tx, a, 'last'));
    await db.query('SELECT 1');

    expect(await written()).toEqual(['a:last']);
    const tx = log.transactions()[0].map((s) => s.sql.replace(/\s+/g, ' ').slice(0, 20));
    expect(tx.at(-2)).toMatch(/^INSERT INTO written/);
    expect(tx.at(-1)).toBe('COMMIT');
  });

  it('a rollback to a savepoint drops what was held back after it, not what was held back before', async () => {
    await db.transaction(async (tx) => {
      await writeBehind(tx, a, 'before');
      await tx.query('SAVEPOINT request');
      await writeBehind(tx, a, 'after');
      await tx.query('ROLLBACK TO SAVEPOINT request');
    });

    expect(await written()).toEqual(['a:before']);
  });

  it('a rollback drops everything held back; nothing is written', async () => {
    await expect(
      db.transaction(async (tx) => {
        await writeBehind(tx, a, 'dropped');
        throw new Error('the caller gives up');
      }),
    ).rejects.toThrow('the caller gives up');

    expect(await written()).toEqual([]);
    expect(inserts()).toEqual([]);
  });

  it('a write that fails fails the statement that flushed it, and the transaction with it', async () => {
    await db.query(`INSERT INTO written (kind, item) VALUES ('a', 'taken')`);

    await expect(
      db.transaction(async (tx) => {
        await tx.query(`INSERT INTO written (kind, item) VALUES ('b', 'kept?')`);
        await writeBehind(tx, a, 'taken');
      }),
    ).rejects.toThrow(/duplicate key/);

    expect(await written()).toEqual(['a:taken']);
  });

  describe(writeCarried.name, () => {
    const statements = () =>
      log
        .transactions()
        .flat()
        .filter((s) => s.sql.includes('INTO written'));
    const sorted = async () => (await written()).sort();

    it("rides in the statement of the held writes' last run, when its kind carries", async () => {
      await db.transaction(async (tx) => {
        await writeBehind(tx, a, 'first');
        await writeBehind(tx, carrying, 'last');
        await writeCarried(tx, note('rider'));
        expect(writesBehind(tx)).toBe(2);
      });

      expect(statements()).toHaveLength(2);
      expect(statements()[1].sql).toMatch(/^WITH carried_1 AS/);
      expect(await sorted()).toEqual(['a:first', 'c:last', 'note:rider']);
    });

    it('is written at once when nothing is held back, or when the last run does not carry', async () => {
      await db.transaction(async (tx) => {
        await writeCarried(tx, note('alone'));
        await writeBehind(tx, carrying, 'carrier');
        await writeBehind(tx, a, 'last');
        await writeCarried(tx, note('after'));
        expect(writesBehind(tx)).toBe(0);
      });

      expect(statements()).toHaveLength(4);
      expect(await written()).toEqual(['note:alone', 'c:carrier', 'a:last', 'note:after']);
    });

    it('a run of a kind that does not carry, held back after it: written alone after that run, not lost', async () => {
      await db.transaction(async (tx) => {
        await writeBehind(tx, carrying, 'carrier');
        await writeCarried(tx, note('rider'));
        await writeBehind(tx, a, 'last');
      });

      expect(statements()).toHaveLength(3);
      expect(await written()).toEqual(['c:carrier', 'a:last', 'note:rider']);
    });

    it('flushWrites writes what is held back, with what it carries, at once', async () => {
      let seen: unknown;
      await db.transaction(async (tx) => {
        await writeBehind(tx, carrying, 'held');
        await writeCarried(tx, note('rider'));
        await flushWrites(tx);
        expect(writesBehind(tx)).toBe(0);
        seen = await tx.query('SELECT count(*)::int AS n FROM written');
      });

      expect(seen).toEqual([{ n: 2 }]);
      expect(statements()).toHaveLength(1);
    });

    it('one that fails fails the statement that carried it: nothing of the transaction is written', async () => {
      await db.query(`INSERT INTO written (kind, item) VALUES ('note', 'taken')`);

      await expect(
        db.transaction(async (tx) => {
          await writeBehind(tx, carrying, 'held');
          await writeCarried(tx, note('taken'));
        }),
      ).rejects.toThrow(/duplicate key/);

      expect(await written()).toEqual(['note:taken']);
    });

    it('a rollback drops it with the writes held back', async () => {
      await db.transaction(async (tx) => {
        await writeBehind(tx, carrying, 'before');
        await tx.query('SAVEPOINT request');
        await writeBehind(tx, carrying, 'after');
        await writeCarried(tx, note('dropped'));
        await tx.query('ROLLBACK TO SAVEPOINT request');
      });

      expect(await written()).toEqual(['c:before']);
    });
  });

  it('outside a transaction, writes at once', async () => {
    const manager: EntityManager = db.manager;
    await writeBehind(manager, a, 'now');

    expect(await written()).toEqual(['a:now']);
  });
});
