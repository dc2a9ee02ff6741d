import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { sleep } from './open-loop';

/** The repository root: the nearest folder up from here holding scripts/start.js (works from bench/ and dist/bench/). */
export const ROOT = (() => {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'scripts', 'start.js')) && existsSync(join(dir, 'package.json'))) return dir;
  }
  throw new Error(`cannot find the repository root above ${__dirname}`);
})();
const KAFKA_SCRIPT = join(ROOT, 'scripts/kafka/kafka.sh');

export interface Broker {
  brokers: string[];
  /** `env` (KAFKA_BROKERS), `started` or `reused` (scripts/kafka/kafka.sh). */
  origin: 'env' | 'started' | 'reused';
  /** The local broker's JVM (from kafka.sh status), when known. */
  pid: number | null;
  stop(): void;
}

/** KAFKA_BROKERS when set, else the local broker script; stops it at the end only if it started it. */
export function startBroker(): Broker {
  const fromEnv = process.env.KAFKA_BROKERS?.trim();
  if (fromEnv) return { brokers: fromEnv.split(','), origin: 'env', pid: null, stop: () => undefined };
  const out = execFileSync('bash', [KAFKA_SCRIPT, 'start'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const started = out.startsWith('started');
  let pid: number | null = null;
  try {
    const status = execFileSync('bash', [KAFKA_SCRIPT, 'status'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    pid = Number(/\bpid (\d+)/.exec(status)?.[1]) || null;
  } catch {
    // not ours to know (a broker reused from elsewhere)
  }
  return {
    brokers: ['127.0.0.1:9092'],
    origin: started ? 'started' : 'reused',
    pid,
    stop: () => {
      if (started) execFileSync('bash', [KAFKA_SCRIPT, 'stop'], { stdio: ['ignore', 'ignore', 'inherit'] });
    },
  };
}

export const ADMIN_PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function databaseUrl(name: string): string {
  const url = new URL(ADMIN_PG_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const withAdmin = <T>(fn: (c: Client) => Promise<T>): Promise<T> => withClient(ADMIN_PG_URL, fn);

export const createDatabase = (name: string) =>
  withAdmin(async (c) => void (await c.query(`CREATE DATABASE "${name}"`)));

export const dropDatabase = (name: string) =>
  withAdmin(async (c) => void (await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)));

/** The services' sessions on database `$1`: those named `pupitre-…` (sessionName). */
const SERVICE_SESSIONS = `datname = $1 AND application_name LIKE 'pupitre-%'`;

/**
 * Ends the services' sessions on a database (application_name `pupitre-…`, their pools' and relays'),
 * as an administrator would: their pools open new ones as they need them. Returns how many were
 * ended; none is an error (the services' names not seen: an application_name in the URL, say).
 */
export async function endServiceSessions(name: string): Promise<number> {
  return withAdmin(async (c) => {
    const { rows } = await c.query<{ ended: boolean }>(
      `SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE ${SERVICE_SESSIONS}`,
      [name],
    );
    const ended = rows.filter((r) => r.ended).length;
    if (ended === 0) throw new Error(`no session named pupitre-… on ${name} to end`);
    return ended;
  });
}

/** How many sessions the services hold on database `name` (those named `pupitre-…`). */
export async function serviceSessions(name: string): Promise<number> {
  return withAdmin(async (c) => {
    const { rows } = await c.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_stat_activity WHERE ${SERVICE_SESSIONS}`,
      [name],
    );
    return Number(rows[0]?.n ?? 0);
  });
}

/**
 * The database's cumulative activity counters (pg_stat_database; flushed by backends about once a
 * second), and the position in the write-ahead log (`wal_bytes`: the whole cluster's, so it counts
 * only while nothing else writes).
 */
export async function databaseCounters(name: string): Promise<Record<string, number>> {
  return withAdmin(async (c) => {
    const { rows } = await c.query<Record<string, string>>(
      `SELECT xact_commit, xact_rollback, tup_inserted, tup_updated, tup_deleted, tup_fetched, tup_returned,
              pg_current_wal_lsn() - '0/0'::pg_lsn AS wal_bytes
         FROM pg_stat_database WHERE datname = $1`,
      [name],
    );
    return Object.fromEntries(Object.entries(rows[0] ?? {}).map(([k, v]) => [k, Number(v)]));
  });
}

/** Rows a table inserted, updated and deleted (pg_stat_user_tables' n_tup_ins, _upd, _del). */
export interface TableWrites {
  ins: number;
  upd: number;
  del: number;
}

/**
 * Rows each table of the run's database has inserted, updated and deleted so far
 * (pg_stat_user_tables, `schema.table`: one schema per service), to see where a step's writes go.
 */
export async function tableCounters(name: string): Promise<Map<string, TableWrites>> {
  return withClient(databaseUrl(name), async (c) => {
    const { rows } = await c.query<{ name: string; ins: string; upd: string; del: string }>(
      `SELECT schemaname || '.' || relname AS name, n_tup_ins AS ins, n_tup_upd AS upd, n_tup_del AS del
         FROM pg_stat_user_tables`,
    );
    return new Map(rows.map((r) => [r.name, { ins: Number(r.ins), upd: Number(r.upd), del: Number(r.del) }]));
  });
}

/**
 * The server settings that change what a run measures, for its conditions line. This machine's
 * PostgreSQL runs with autovacuum off (its CI configuration): dead row versions stay until the run's
 * database is dropped, where a production server would vacuum them away.
 */
export async function databaseSettings(): Promise<string> {
  return withAdmin(async (c) => {
    const { rows } = await c.query<{ name: string; setting: string; unit: string | null }>(
      `SELECT name, setting, unit FROM pg_settings
        WHERE name IN ('autovacuum', 'fsync', 'synchronous_commit', 'shared_buffers') ORDER BY name`,
    );
    return rows.map((r) => `${r.name} ${r.setting}${r.unit ? ` × ${r.unit}` : ''}`).join(', ');
  });
}

export function kafkaClient(brokers: string[], clientId: string): Kafka {
  return new Kafka({
    clientId,
    brokers,
    connectionTimeout: 3000,
    retry: { initialRetryTime: 100, retries: 10 },
    logLevel: logLevel.ERROR,
  });
}

/** Records per topic under the prefix (high watermarks summed over partitions; the topics are fresh). */
export async function topicRecordCounts(brokers: string[], prefix: string): Promise<Map<string, number>> {
  const admin = kafkaClient(brokers, 'bench-admin').admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix)).sort();
    const counts = new Map<string, number>();
    for (const topic of topics) {
      const offsets = await admin.fetchTopicOffsets(topic);
      counts.set(
        topic.slice(prefix.length),
        offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0),
      );
    }
    return counts;
  } finally {
    await admin.disconnect();
  }
}

/** Deletes the run's topics and consumer groups (everything named with the prefix). */
export async function deleteKafkaPrefix(brokers: string[], prefix: string): Promise<number> {
  const admin = kafkaClient(brokers, 'bench-admin').admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
    // A group keeps a killed member until its session times out (30 s by default): retry a while.
    const deadline = Date.now() + 45_000;
    for (;;) {
      const { groups } = await admin.listGroups();
      const ours = groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
      if (ours.length === 0) break;
      const deleted = await admin.deleteGroups(ours).then(
        () => true,
        () => false,
      );
      if (deleted) break;
      if (Date.now() > deadline) throw new Error(`consumer groups left: ${ours.join(', ')}`);
      await sleep(3000);
    }
    return topics.length;
  } finally {
    await admin.disconnect();
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
