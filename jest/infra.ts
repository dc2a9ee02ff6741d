import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';

/**
 * Where the test run's Kafka and PostgreSQL come from, in order: the environment
 * (KAFKA_BROKERS / TEST_DATABASE_URL), testcontainers when a Docker engine answers, else the local
 * Java broker (scripts/kafka/kafka.sh) and the local PostgreSQL.
 */
export interface TestInfra {
  brokers: string;
  adminDatabaseUrl: string;
  runId: string;
  stop: () => Promise<void>;
}

const LOCAL_POSTGRES = 'postgres://postgres@127.0.0.1:5432/postgres';

export async function startInfra(): Promise<TestInfra> {
  const runId = `t${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const stops: (() => Promise<void>)[] = [];
  let brokers = process.env.KAFKA_BROKERS ?? '';
  let adminDatabaseUrl = process.env.TEST_DATABASE_URL ?? '';

  if ((!brokers || !adminDatabaseUrl) && (await dockerEngineAnswers())) {
    if (!brokers) {
      const { KafkaContainer } = await import('@testcontainers/kafka');
      const kafka = await new KafkaContainer('apache/kafka:4.1.1').start();
      brokers = `${kafka.getHost()}:${kafka.getMappedPort(9093)}`;
      stops.push(async () => void (await kafka.stop()));
    }
    if (!adminDatabaseUrl) {
      const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
      const pg = await new PostgreSqlContainer('postgres:15').start();
      adminDatabaseUrl = pg.getConnectionUri();
      stops.push(async () => void (await pg.stop()));
    }
  }
  if (!brokers) {
    const script = resolve(__dirname, '../scripts/kafka/kafka.sh');
    const out = execFileSync('bash', [script, 'start'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    brokers = '127.0.0.1:9092';
    if (out.startsWith('started')) {
      stops.push(async () => void execFileSync('bash', [script, 'stop'], { stdio: 'inherit' }));
    }
  }
  adminDatabaseUrl ||= LOCAL_POSTGRES;
  return {
    brokers,
    adminDatabaseUrl,
    runId,
    stop: async () => void (await Promise.all(stops.map((s) => s()))),
  };
}

async function dockerEngineAnswers(): Promise<boolean> {
  if (process.env.TESTCONTAINERS_DISABLED === '1') return false;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await Promise.race([
      getContainerRuntimeClient(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 5000)),
    ]);
    return true;
  } catch {
    return false;
  }
}
