import type { DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { DataSourceOptions } from 'typeorm';
import type { DatabaseEnv, KafkaEnv } from '../config';
import { typeOrmOptions } from '../database';
import { HeartbeatPublisher, MessagingModule } from '../messaging';
import { bootService } from './boot-service';

/** The configuration every service with a database has (each app's config class extends it). */
export type DatabaseServiceConfig = KafkaEnv & DatabaseEnv;

export interface DatabaseServiceOptions {
  service: string;
  schema: string;
  config: DatabaseServiceConfig;
  migrations: DataSourceOptions['migrations'];
}

/** TypeORM on the service's own schema (migrations run at start, never synchronize) and its outbox/inbox. */
export function databaseServiceImports(o: DatabaseServiceOptions): DynamicModule[] {
  return [
    TypeOrmModule.forRoot(
      typeOrmOptions({
        url: o.config.DATABASE_URL,
        schema: o.schema,
        entities: [],
        migrations: o.migrations,
        timeouts: o.config,
      }),
    ),
    MessagingModule.forService({
      service: o.service,
      schema: o.schema,
      databaseUrl: o.config.DATABASE_URL,
      database: o.config,
      kafka: o.config,
    }),
  ];
}

/**
 * Boots a service that owns a schema: database, schema, topics, then the app and its consumer, whose
 * heartbeats (while it is in its group) tell the gateways' readiness that the service consumes.
 */
export async function bootDatabaseService(
  service: string,
  schema: string,
  config: DatabaseServiceConfig,
  module: DynamicModule,
  env: NodeJS.ProcessEnv = process.env,
) {
  const booted = await bootService({
    service,
    schema,
    databaseUrl: config.DATABASE_URL,
    kafka: config,
    module,
    env,
    opsRoutes: true,
  });
  booted.app.get(HeartbeatPublisher).start(() => booted.server.isConsuming());
  return booted;
}
