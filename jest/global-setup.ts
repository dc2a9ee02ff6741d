import { startInfra } from './infra';

/** Runs once per jest run (guarded: the integration and e2e projects both declare it). */
export default async function globalSetup(): Promise<void> {
  if (process.env.PUPITRE_TEST_RUN_ID) return;
  const infra = await startInfra();
  (globalThis as { __pupitreInfra?: unknown }).__pupitreInfra = infra;
  // Workers inherit these: every test file builds its own database and topic prefix from them.
  process.env.PUPITRE_TEST_RUN_ID = infra.runId;
  process.env.KAFKA_BROKERS = infra.brokers;
  process.env.TEST_DATABASE_URL = infra.adminDatabaseUrl;
  process.env.KAFKA_SESSION_TIMEOUT_MS ??= '6000';
  process.env.KAFKA_HEARTBEAT_INTERVAL_MS ??= '500';
  process.env.KAFKA_MAX_WAIT_MS ??= '100';
}
