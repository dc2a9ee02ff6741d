import { Controller, INestApplication, Module } from '@nestjs/common';
import { EventPattern, RpcException } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:net';
import {
  bootService,
  DEFAULT_OPS_PORTS,
  kafkaEnvSchema,
  KafkaProducer,
  KafkaServer,
  parseEnv,
} from '@pupitre/shared';
import { getOps, httpUrlOf, isolatedTestEnv, TestEnv, waitFor } from '@pupitre/shared/testing';

const TOPIC = 'test.crash';

/**
 * A handler that fails the way kafkajs gives up on at once: an error marked not retriable (through
 * Nest's RpcException, whose object reaches kafkajs as thrown). kafkajs stops the consumer for good.
 */
@Controller()
class CrashingConsumer {
  @EventPattern(TOPIC)
  onEvent(): void {
    throw new RpcException({ message: 'handler bug: not retriable', retriable: false });
  }
}

@Module({ controllers: [CrashingConsumer] })
class CrashingModule {}

/** /health/live of a service whose consumer loop dies while the process goes on. */
describe('liveness: the consumer loop, not just the process', () => {
  let env: TestEnv;
  let app: INestApplication;
  let server: KafkaServer;
  let url: string;
  let producer: KafkaProducer;

  beforeAll(async () => {
    env = await isolatedTestEnv('liveness', [TOPIC]);
    const vars = { ...process.env, ...env.vars };
    const kafka = parseEnv(kafkaEnvSchema, vars);
    ({
      app,
      server,
      opsUrl: url,
    } = (await bootService({
      service: 'crashing',
      kafka,
      module: { module: CrashingModule },
      env: vars,
      opsRoutes: true,
    })) as { app: INestApplication; server: KafkaServer; opsUrl: string });
    producer = new KafkaProducer(kafka, 'liveness-test');
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await app?.close();
  });

  it('is 200 while the consumer runs, and 503 once it crashed for good (the process still up)', async () => {
    await waitFor(() => server.isConsuming(), { what: 'the consumer in its group' });
    expect((await getOps(url, '/health/live')).status).toBe(200);
    await waitFor(async () => (await getOps(url, '/health/ready')).status === 200, {
      what: '/health/ready = 200',
    });

    await producer.send(TOPIC, [{ key: 'k', value: JSON.stringify({ eventId: randomUUID() }) }]);

    const down = await waitFor(
      async () => {
        const res = await getOps(url, '/health/live');
        return res.status === 503 && res;
      },
      { what: '/health/live = 503', timeoutMs: 30_000 },
    );
    expect(down.json()).toMatchObject({ status: 'down', reason: expect.stringMatching(/crashed/) });
    expect((await getOps(url, '/health/ready')).status).toBe(503);
    const metrics = (await getOps(url, '/metrics')).body;
    expect(metrics).toMatch(/^pupitre_consumer_live\{service="crashing"\} 0$/m);
  });
});

@Module({})
class EmptyModule {}

/** Where a back-end service's health server listens when OPS_PORT is not set. */
describe('ops server port', () => {
  let blocker: Server | null = null;
  let app: INestApplication | null = null;

  afterAll(async () => {
    await app?.close();
    await new Promise((resolve) => (blocker ? blocker.close(resolve) : resolve(undefined)));
  });

  it('a default port already taken (a second instance on one host) falls back to a free one', async () => {
    const taken = DEFAULT_OPS_PORTS.billing;
    // Hold the default port (if someone else on this machine holds it already, the case is the same).
    blocker = await new Promise<Server | null>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(null));
      server.listen(taken, () => resolve(server));
    });
    const env = await isolatedTestEnv('opsport');
    const vars: NodeJS.ProcessEnv = { ...process.env, ...env.vars };
    delete vars.OPS_PORT;
    ({ app } = await bootService({
      service: 'billing',
      kafka: parseEnv(kafkaEnvSchema, vars),
      module: { module: EmptyModule },
      env: vars,
      opsRoutes: true,
    }));
    const url = httpUrlOf(app);
    expect(url).not.toMatch(new RegExp(`:${taken}$`));
    expect((await getOps(url, '/health/live')).status).toBe(200);
  });
});
