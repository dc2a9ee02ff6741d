import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { ensureTopics } from '../kafka/topic-admin';
import { ALL_TOPICS } from '../contracts';
import { kafkaEnvSchema, parseEnv } from '../config';

export interface TestEnv {
  /** Variables for a service under test: its own database and topic prefix. */
  vars: Record<string, string>;
  databaseUrl: string;
  prefix: string;
}

/**
 * A fresh database and topic prefix for one test file, on the run's broker and PostgreSQL
 * (jest/global-setup.ts). Two files, or two runs, never see each other's data.
 */
export async function isolatedTestEnv(name: string, extraTopics: string[] = []): Promise<TestEnv> {
  const runId = process.env.PUPITRE_TEST_RUN_ID;
  const admin = process.env.TEST_DATABASE_URL;
  if (!runId || !admin || !process.env.KAFKA_BROKERS) {
    throw new Error('integration tests need jest/global-setup.ts (run them through `npm test`)');
  }
  const unique = `${name.replace(/[^a-z0-9]/gi, '').toLowerCase()}${randomBytes(3).toString('hex')}`;
  const database = `pupitre_${runId}_${unique}`;
  const client = new Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE "${database}"`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${database}`;
  const prefix = `${runId}.${unique}.`;
  const vars: Record<string, string> = {
    NODE_ENV: 'test',
    DATABASE_URL: url.toString(),
    KAFKA_BROKERS: process.env.KAFKA_BROKERS,
    KAFKA_TOPIC_PREFIX: prefix,
    KAFKA_SESSION_TIMEOUT_MS: process.env.KAFKA_SESSION_TIMEOUT_MS ?? '6000',
    KAFKA_HEARTBEAT_INTERVAL_MS: process.env.KAFKA_HEARTBEAT_INTERVAL_MS ?? '500',
    KAFKA_MAX_WAIT_MS: process.env.KAFKA_MAX_WAIT_MS ?? '100',
    // Test files run in parallel: each service's health and metrics server takes any free port.
    OPS_PORT: '0',
  };
  await ensureTopics(parseEnv(kafkaEnvSchema, vars), [...ALL_TOPICS, ...extraTopics]);
  return { vars, databaseUrl: url.toString(), prefix };
}
