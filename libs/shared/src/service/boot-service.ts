import { DynamicModule, INestApplication, Logger, LogLevel, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AddressInfo } from 'node:net';
import { ConfigError, KafkaEnv, kafkaTimingProblems } from '../config';
import { ensureDatabase, ensureSchema } from '../database';
import { waitForTopics } from '../kafka/topic-admin';
import { leavePredecessors } from '../kafka/group-takeover';
import { KafkaServer } from '../kafka/kafka-server';
import { PinoLoggerService, setDefaultLogService } from '../logging/logger';
import { KafkaProbe } from '../ops/kafka-probe';
import { loadOpsEnv } from '../ops/ops-env';
import { OpsModule } from '../ops/ops.module';
import { startPipelineTrace } from '../ops/pipeline-trace';
import { ServiceMetrics } from '../ops/service-metrics';
import { runtimeProblem } from './runtime';

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
  /** The environment (OPS_PORT, LIVENESS_MAX_STALL_MS, READINESS_*); default process.env. */
  env?: NodeJS.ProcessEnv;
  /**
   * Back-end services: listen on OPS_PORT for /health/live, /health/ready and /metrics. The gateway
   * serves its own on its public port.
   */
  opsRoutes?: boolean;
}

export interface BootedService {
  app: INestApplication;
  server: KafkaServer;
  metrics: ServiceMetrics;
  /** Where /health and /metrics answer (back-end services), e.g. http://localhost:3101. */
  opsUrl?: string;
}

/** Wraps the service's own module with the ops one (health, metrics): one root per app. */
@Module({})
class ServiceRootModule {}

/**
 * Brings one service up: its database and schema (migrations run as TypeORM starts), its topics
 * (waited for: the topics step creates them, see topic-admin.ts), the Nest app and its Kafka consumer,
 * with shutdown hooks so Ctrl-C leaves the group cleanly.
 */
export async function bootService(o: BootOptions): Promise<BootedService> {
  const timing = kafkaTimingProblems(o.kafka);
  if (timing.length > 0) throw new ConfigError(timing);
  // Structured JSON lines (pino) for everything Nest and kafkajs log from here on.
  const appLogger = new PinoLoggerService();
  setDefaultLogService(o.service);
  Logger.overrideLogger(appLogger);
  if (o.logLevels) appLogger.setLogLevels(o.logLevels);
  const opsEnv = loadOpsEnv(o.service, o.env ?? process.env);
  // Before any consumer, producer or pool exists: each registers with the trace as it is made.
  startPipelineTrace(opsEnv.PIPELINE_TRACE_MS);
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
  const server = new KafkaServer({
    env: o.kafka,
    service: o.service,
    clientId,
    groupId,
    fromBeginning: o.fromBeginning ?? true,
  });
  const metrics = new ServiceMetrics(o.service);
  const ops = OpsModule.forService({
    server,
    metrics,
    probe: new KafkaProbe(o.kafka, o.service),
    env: opsEnv,
    routes: o.opsRoutes ?? false,
  });
  const app = await NestFactory.create(
    { module: ServiceRootModule, imports: [o.module, ops] },
    { logger: appLogger, bodyParser: false },
  );
  app.connectMicroservice({ strategy: server }, { inheritAppConfig: true });
  app.enableShutdownHooks();
  await o.configure?.(app);
  await app.startAllMicroservices();
  await app.init();
  let opsUrl: string | undefined;
  if (o.opsRoutes) {
    const port = await closingOnFailure(app, logger, () =>
      listenOps(app, opsEnv.OPS_PORT, opsEnv.OPS_PORT_SET, logger),
    );
    opsUrl = `http://localhost:${port}`;
  }
  const steps = Object.entries(took).map(([name, ms]) => `${name} ${ms} ms`);
  logger.log(
    `${o.service} is consuming (${steps.join(', ')}, app ${Date.now() - t0} ms; ` +
      `process up ${Math.round(process.uptime() * 1000)} ms)${opsUrl ? `; health and metrics: ${opsUrl}` : ''}`,
  );
  return { app, server, metrics, opsUrl };
}

/**
 * A step of a start once the app is up, such as listening on its port (taken, say): if it fails, the
 * app (Kafka, the database, timers) is closed before the error goes on, since a caller given no app
 * cannot close it.
 */
export async function closingOnFailure<T>(
  app: INestApplication,
  logger: Logger,
  step: () => Promise<T>,
): Promise<T> {
  try {
    return await step();
  } catch (err) {
    await app
      .close()
      .catch((closing: Error) =>
        logger.warn(`closing the app after a failed start: ${closing.stack ?? closing.message}`),
      );
    throw err;
  }
}

/**
 * Listens for /health and /metrics. A default port already taken (a second instance on one host, a
 * benchmark beside `npm start`) falls back to any free port with a warning naming the one it got; a
 * port set in OPS_PORT must be free, or the service does not start.
 */
async function listenOps(
  app: INestApplication,
  port: number,
  explicit: boolean,
  logger: Logger,
): Promise<number> {
  try {
    await app.listen(port);
  } catch (err) {
    if (explicit || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    await app.listen(0);
    const taken = (app.getHttpServer().address() as AddressInfo).port;
    logger.warn(
      `port ${port} is taken: health and metrics on port ${taken} instead (set OPS_PORT to choose)`,
    );
  }
  return (app.getHttpServer().address() as AddressInfo).port;
}

/** For main.ts: a configuration or start-up error stops the process with its message. */
export function runMain(name: string, main: () => Promise<unknown>): void {
  const runtime = runtimeProblem();
  if (runtime) {
    process.stderr.write(`${name} cannot start: ${runtime}\n`);
    process.exit(1);
  }
  main().catch((err: Error) => {
    process.stderr.write(`${name} failed to start: ${err.message}\n`);
    process.exit(1);
  });
}
