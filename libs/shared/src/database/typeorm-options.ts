import type { DataSourceOptions } from 'typeorm';
import { DatabaseTimeouts, sessionOptions } from './session-options';

export interface ServiceDatabaseOptions {
  url: string;
  schema: string;
  entities: DataSourceOptions['entities'];
  migrations: DataSourceOptions['migrations'];
  poolSize?: number;
  /** Statement, lock and idle-in-transaction timeouts, keepalives (defaults: DatabaseEnv's). */
  timeouts?: DatabaseTimeouts;
}

/** One schema per service, migrations always, never synchronize; every session bounded in time. */
export function typeOrmOptions(o: ServiceDatabaseOptions): DataSourceOptions {
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
    extra: { max: o.poolSize ?? 10, ...sessionOptions(o.schema, o.timeouts) },
  };
}
