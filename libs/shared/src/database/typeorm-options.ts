import type { DataSourceOptions } from 'typeorm';
import { BeginRidesClient } from './begin-rides';
import { QueryErrorLogger } from './query-error-logger';
import { DatabaseTimeouts, DEFAULT_DATABASE_TIMEOUTS, sessionOptions } from './session-options';

export interface ServiceDatabaseOptions {
  url: string;
  schema: string;
  entities: DataSourceOptions['entities'];
  migrations: DataSourceOptions['migrations'];
  poolSize?: number;
  /** Statement, lock and idle-in-transaction timeouts, keepalives (defaults: DatabaseEnv's). */
  timeouts?: DatabaseTimeouts;
}

/**
 * One schema per service, migrations always, never synchronize; every session bounded in time. The
 * pool keeps an idle session for DATABASE_POOL_IDLE_TIMEOUT_MS (node-postgres's default, 10 s, closed
 * them between two bursts of load, and the next burst waited for new ones; 0: kept for good).
 */
export function typeOrmOptions(o: ServiceDatabaseOptions): DataSourceOptions {
  const idleTimeoutMillis =
    o.timeouts?.DATABASE_POOL_IDLE_TIMEOUT_MS ?? DEFAULT_DATABASE_TIMEOUTS.DATABASE_POOL_IDLE_TIMEOUT_MS;
  return {
    type: 'postgres',
    url: o.url,
    schema: o.schema,
    entities: o.entities,
    migrations: o.migrations,
    migrationsRun: true,
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: ['error', 'migration'],
    logger: new QueryErrorLogger(),
    extra: {
      max: o.poolSize ?? 10,
      idleTimeoutMillis,
      ...sessionOptions(o.schema, o.timeouts),
      // Each transaction's BEGIN rides with its first statement: one round trip less.
      Client: BeginRidesClient,
    },
  };
}
