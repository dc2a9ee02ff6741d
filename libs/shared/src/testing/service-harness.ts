import type { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import { KafkaEnv, kafkaEnvSchema, parseEnv } from '../config';
import { KafkaProducer } from '../kafka/kafka-producer';
import { isolatedTestEnv } from './test-env';
import { TestRequester } from './test-requester';

/**
 * One service alone on a real broker and database, for its integration tests: the test plays the
 * other services through `producer` (their events or the gateway's requests), asks and listens
 * through `requester`, and reads the service's tables through `db`.
 */
export interface ServiceHarness {
  app: INestApplication;
  kafka: KafkaEnv;
  producer: KafkaProducer;
  requester: TestRequester;
  db: Client;
  stop(): Promise<void>;
}

export async function startServiceHarness(
  name: string,
  start: (vars: NodeJS.ProcessEnv) => Promise<{ app: INestApplication }>,
  listenTo: string[],
): Promise<ServiceHarness> {
  const env = await isolatedTestEnv(name);
  const vars = { ...process.env, ...env.vars };
  const { app } = await start(vars);
  const kafka = parseEnv(kafkaEnvSchema, vars);
  const producer = new KafkaProducer(kafka, `${name}-int-test`);
  await producer.connect();
  const requester = new TestRequester(kafka);
  await requester.start(listenTo);
  const db = new Client({ connectionString: env.databaseUrl });
  await db.connect();
  return {
    app,
    kafka,
    producer,
    requester,
    db,
    stop: async () => {
      await db.end();
      await requester.stop();
      await producer.disconnect();
      await app.close();
    },
  };
}
