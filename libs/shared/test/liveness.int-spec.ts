import { Controller, INestApplication, Module } from '@nestjs/common';
import { EventPattern, RpcException } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import { bootService, kafkaEnvSchema, KafkaProducer, KafkaServer, parseEnv } from '@pupitre/shared';
import { getOps, isolatedTestEnv, TestEnv, waitFor } from '@pupitre/shared/testing';

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
