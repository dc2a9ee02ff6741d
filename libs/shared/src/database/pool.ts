import type { DataSource } from 'typeorm';

/** What the services use of node-postgres's Pool, behind TypeORM's driver. */
export interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
  options: { min?: number };
  connect(): Promise<{ release(): void }>;
}

/** The pool behind a TypeORM data source on PostgreSQL (its driver's `master`), once initialized. */
export function pgPool(dataSource: DataSource): PgPool | undefined {
  return (dataSource.driver as unknown as { master?: PgPool }).master;
}

/**
 * Opens the pool's minimum of sessions (DATABASE_POOL_MIN) now, all at once, rather than one by one as
 * load first needs them; node-postgres then keeps that many however long they stay idle. It holds that
 * many at the same time (the pool hands out an idle session before it opens one), then releases them.
 * Returns how many the pool holds.
 */
export async function openPoolMinimum(pool: PgPool): Promise<number> {
  const sessions = await Promise.all(Array.from({ length: pool.options.min ?? 0 }, () => pool.connect()));
  for (const session of sessions) session.release();
  return pool.totalCount;
}
