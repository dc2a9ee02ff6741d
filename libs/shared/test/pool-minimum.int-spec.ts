import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { openPoolMinimum, pgPool, PgPool, typeOrmOptions } from '@pupitre/shared';
import { isolatedTestEnv } from '@pupitre/shared/testing';

/**
 * Issue 7, a restarted service under a burst: DATABASE_POOL_MIN sessions are opened at start and
 * kept however long they stay idle, while the pool's other sessions still close after the idle
 * timeout. Through TypeORM's pool on a real PostgreSQL, with an idle timeout of 100 ms.
 */
describe(openPoolMinimum.name, () => {
  let db: DataSource;
  let pool: PgPool;

  beforeAll(async () => {
    const env = await isolatedTestEnv('poolmin');
    const options = typeOrmOptions({
      url: env.databaseUrl,
      schema: 'public',
      entities: [],
      migrations: [],
      timeouts: { DATABASE_POOL_MIN: 3, DATABASE_POOL_IDLE_TIMEOUT_MS: 100 },
    });
    db = await new DataSource({ ...options, migrationsRun: false, logging: false }).initialize();
    pool = pgPool(db)!;
  });

  afterAll(async () => {
    await db?.destroy();
  });

  /** The server's own count of the sessions this test's pool holds. */
  const serverSessions = async () => {
    const [row] = await db.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE datname = current_database() AND application_name = 'pupitre-public'`,
    );
    return row.n;
  };

  it('opens the minimum at once, and keeps it through idle time while the others close', async () => {
    expect(pool.totalCount).toBe(1); // TypeORM's own, at start
    expect(await openPoolMinimum(pool)).toBe(3);
    expect(await serverSessions()).toBe(3);

    await Promise.all(Array.from({ length: 6 }, () => db.query('SELECT pg_sleep(0.05)')));
    expect(pool.totalCount).toBe(6);

    await sleep(500);
    expect(pool.totalCount).toBe(3);
    expect(await serverSessions()).toBe(3);
  });

  it('opens nothing when the pool already holds its minimum', async () => {
    expect(await openPoolMinimum(pool)).toBe(3);
    expect(await serverSessions()).toBe(3);
  });
});
