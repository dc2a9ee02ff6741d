import type { DataSourceOptions } from 'typeorm';

export interface ServiceDatabaseOptions {
  url: string;
  schema: string;
  entities: DataSourceOptions['entities'];
  migrations: DataSourceOptions['migrations'];
  poolSize?: number;
}

/** One schema per service, migrations always, never synchronize. */
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
    extra: { max: o.poolSize ?? 10, options: `-c search_path=${o.schema}` },
  };
}
