import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startInfra } from './infra';

/**
 * The desk and the demo page as the gateway serves them (dist/web/): jest runs the server from
 * source, so the pages are built here, once per run, before the browser, e2e and integration tests.
 */
function buildWebPages(): void {
  const root = join(__dirname, '..');
  execFileSync(
    join(root, 'node_modules/.bin/vite'),
    ['build', '--config', 'web/vite.config.mts', '--logLevel', 'warn'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
}

/** Runs once per jest run (guarded: the integration and e2e projects both declare it). */
export default async function globalSetup(): Promise<void> {
  if (process.env.PUPITRE_TEST_RUN_ID) return;
  buildWebPages();
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
