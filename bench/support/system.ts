import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'socket.io-client';
import { say } from './cli';
import { JsonClient } from './http';
import {
  createDatabase,
  databaseUrl,
  deleteKafkaPrefix,
  dropDatabase,
  freePort,
  ROOT,
  startBroker,
} from './infra';
import { abort } from './open-loop';
import { benchServiceEnv, ServiceFleet } from './services';

/** The four services of one run, as a bench's body sees them. */
export interface BenchSystem {
  port: number;
  /** 32 kept-alive connections to the gateway. */
  http: JsonClient;
  adminToken: string;
  /** Socket.IO clients the body opens: closed at the end. */
  sockets: Socket[];
}

/**
 * Runs `body` against the four services from dist/, on a database (`pupitre_bench_<id>`) and a topic
 * prefix (`bench.<id>.`) of their own, on the broker of `startBroker`; then removes what it made, and
 * keeps the services' logs only when the run failed (their tails are printed). A signal ends the
 * waits (`abort`) and fails the run. `title`: the run's first line, after its id. Sets the exit code.
 */
export async function withSystem(title: string, body: (system: BenchSystem) => Promise<void>): Promise<void> {
  const runId = randomBytes(4).toString('hex');
  const prefix = `bench.${runId}.`;
  const dbName = `pupitre_bench_${runId}`;
  const logDir = mkdtempSync(join(os.tmpdir(), `pupitre-bench-${runId}-`));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => (abort.requested = true));
  const broker = startBroker();
  const sockets: Socket[] = [];
  let fleet: ServiceFleet | null = null;
  let failed = false;
  try {
    say(`run ${runId}: ${title}; load ${loadavg()}`);
    await createDatabase(dbName);
    const port = await freePort();
    const { env, adminToken } = benchServiceEnv({
      databaseUrl: databaseUrl(dbName),
      brokers: broker.brokers,
      prefix,
      port,
    });
    fleet = new ServiceFleet(ROOT, logDir);
    fleet.start(env);
    const http = new JsonClient('127.0.0.1', port, 32);
    await fleet.waitReady(http, 120_000);
    say('ready');
    await body({ port, http, adminToken, sockets });
  } catch (err) {
    failed = true;
    say(`failed: ${(err as Error).message}`);
    if (fleet) say(fleet.tails());
  } finally {
    sockets.forEach((s) => s.close());
    if (fleet) await fleet.stop();
    await dropDatabase(dbName).catch(() => undefined);
    await deleteKafkaPrefix(broker.brokers, prefix).catch(() => 0);
    broker.stop();
    if (!failed) rmSync(logDir, { recursive: true, force: true });
    else say(`logs kept in ${logDir}`);
  }
  process.exitCode = failed ? 1 : 0;
}

/** The load averages, for a result's header. */
export const loadavg = (): string =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
