import { DynamicModule, INestApplication, Logger, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigError, KafkaEnv, kafkaTimingProblems } from '../config';
import { ensureDatabase, ensureSchema } from '../database';
import { waitForTopics } from '../kafka/topic-admin';
import { leavePredecessors } from '../kafka/group-takeover';
import { KafkaServer } from '../kafka/kafka-server';

export interface BootOptions {
  service: string;
  /** The service's own PostgreSQL schema; omitted for the gateway, which has no database. */
  schema?: string;
  databaseUrl?: string;
  kafka: KafkaEnv;
  module: DynamicModule;
  /** Consumer group; defaults to the service name (the gateway passes one per instance). */
  groupId?: string;
  /** This instance's name, unique and stable across restarts; defaults to SERVICE_INSTANCE_ID. */
  instanceId?: string;
  fromBeginning?: boolean;
  logLevels?: LogLevel[];
  /** Called before init: HTTP adapters, socket adapters, global filters. */
  configure?: (app: INestApplication) => void | Promise<void>;
}

export interface BootedService {
  app: INestApplication;
  server: KafkaServer;
}

/**
 * Brings one service up: its database and schema (migrations run as TypeORM starts), its topics
 * (waited for: the topics step creates them, see topic-admin.ts), the Nest app and its Kafka consumer,
 * with shutdown hooks so Ctrl-C leaves the group cleanly.
 */
export async function bootService(o: BootOptions): Promise<BootedService> {
  const timing = kafkaTimingProblems(o.kafka);
  if (timing.length > 0) throw new ConfigError(timing);
  const logger = new Logger(o.service);
  const groupId = o.groupId ?? o.service;
  const clientId = `${o.service}-${o.instanceId ?? o.kafka.SERVICE_INSTANCE_ID}`;
  const t0 = Date.now();
  const took: Record<string, number> = {};
  const step = async (name: string, run: () => Promise<unknown>) => {
    await run();
    took[name] = Date.now() - t0;
  };
  // Independent, so at once: a restart is ready sooner (docs/architecture.md, Crashes and restarts).
  await Promise.all([
    step('database', async () => {
      if (o.databaseUrl && o.schema) {
        await ensureDatabase(o.databaseUrl);
        await ensureSchema(o.databaseUrl, o.schema);
      }
    }),
    step('topics and group takeover', async () => {
      await waitForTopics(o.kafka, (message) => logger.warn(message));
      await leavePredecessors(o.kafka, groupId, clientId).then(
        (n) =>
          n > 0 && logger.log(`ended ${n} membership(s) of ${groupId} left by an earlier run of ${clientId}`),
        (err: Error) =>
          logger.warn(`could not end the memberships of earlier runs (${err.message}): they expire`),
      );
    }),
  ]);
  const app = await NestFactory.create(o.module, {
    logger: o.logLevels ?? ['log', 'warn', 'error'],
    bodyParser: false,
  });
  const server = new KafkaServer({
    env: o.kafka,
    clientId,
    groupId,
    fromBeginning: o.fromBeginning ?? true,
  });
  app.connectMicroservice({ strategy: server }, { inheritAppConfig: true });
  app.enableShutdownHooks();
  await o.configure?.(app);
  await app.startAllMicroservices();
  await app.init();
  const steps = Object.entries(took).map(([name, ms]) => `${name} ${ms} ms`);
  logger.log(
    `${o.service} is consuming (${steps.join(', ')}, app ${Date.now() - t0} ms; ` +
      `process up ${Math.round(process.uptime() * 1000)} ms)`,
  );
  return { app, server };
}

/** For main.ts: a configuration or start-up error stops the process with its message. */
export function runMain(name: string, main: () => Promise<unknown>): void {
  main().catch((err: Error) => {
    process.stderr.write(`${name} failed to start: ${err.message}\n`);
    process.exit(1);
  });
}
