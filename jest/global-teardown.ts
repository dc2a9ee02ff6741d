import { Kafka } from 'kafkajs';
import { Client } from 'pg';
import type { TestInfra } from './infra';

/** Drops the run's databases and topics (a reused broker stays clean), then stops what setup started. */
export default async function globalTeardown(): Promise<void> {
  const g = globalThis as { __pupitreInfra?: TestInfra };
  const infra = g.__pupitreInfra;
  if (!infra) return;
  g.__pupitreInfra = undefined;
  const client = new Client({ connectionString: infra.adminDatabaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE datname LIKE $1',
      [`pupitre_${infra.runId}_%`],
    );
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
  const admin = new Kafka({ clientId: 'teardown', brokers: infra.brokers.split(','), logLevel: 0 }).admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${infra.runId}.`));
    if (topics.length) await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
  await infra.stop();
}
