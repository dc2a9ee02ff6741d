import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  createMessagingTables,
  ensureSchema,
  kafkaEnvSchema,
  KafkaProducer,
  Outbox,
  OutboxRelay,
  parseEnv,
} from '@pupitre/shared';
import { isolatedTestEnv, TestEnv, TestRequester, waitFor } from '@pupitre/shared/testing';

const TOPIC = 'test.lease';
const SCHEMA = 'lease';
const LEASE_MS = 2000;

interface Said {
  event: string;
  data: unknown;
}

/** A relay in its own process (support/relay-process.ts), and what it says on stdout. */
class RelayProcess {
  readonly said: Said[] = [];
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;

  constructor(vars: Record<string, string>) {
    this.child = spawn(
      process.execPath,
      [join(__dirname, 'support/run-ts.js'), join(__dirname, 'support/relay-process.ts')],
      { env: { ...process.env, ...vars }, stdio: ['pipe', 'pipe', 'inherit'] },
    );
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      try {
        this.said.push(JSON.parse(line) as Said);
      } catch {
        // kafkajs or Node warnings: not the relay's own words
      }
    });
  }

  saw(event: string, match: (data: unknown) => boolean = () => true): boolean {
    return this.said.some((s) => s.event === event && match(s.data));
  }

  signal(name: NodeJS.Signals): void {
    this.child.kill(name);
  }

  go(): void {
    this.child.stdin!.write('go\n');
  }

  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
    this.child.stdin!.destroy();
    this.child.stdout!.destroy();
  }
}

/**
 * The relay's leadership is a lease (OUTBOX_RELAY_LEASE_MS): a leader stopped with SIGSTOP keeps its
 * TCP session, and without the lease its advisory lock with it, so nothing would publish for the schema.
 */
describe('outbox relay leadership', () => {
  let env: TestEnv;
  let db: DataSource;
  let producer: KafkaProducer;
  let rq: TestRequester;
  let stopped: RelayProcess | null = null;
  let takeover: OutboxRelay | null = null;
  const outbox = new Outbox(SCHEMA);
  const emit = (eventId: string, n: number) =>
    db.transaction((tx) => outbox.add(tx, TOPIC as never, 'conversation-1', { eventId, n } as never));
  const published = (eventId: string) =>
    rq.seen.filter((s) => s.topic === TOPIC && (s.value as { eventId?: string }).eventId === eventId).length;

  beforeAll(async () => {
    env = await isolatedTestEnv('lease', [TOPIC]);
    await ensureSchema(env.databaseUrl, SCHEMA);
    db = new DataSource({
      type: 'postgres',
      url: env.databaseUrl,
      schema: SCHEMA,
      extra: { options: `-c search_path=${SCHEMA}` },
    });
    await db.initialize();
    const q = db.createQueryRunner();
    await createMessagingTables(q);
    await q.release();
    const kafka = parseEnv(kafkaEnvSchema, env.vars);
    producer = new KafkaProducer(kafka, 'lease-test');
    await producer.connect();
    rq = new TestRequester(kafka);
    await rq.start([TOPIC]);
  }, 60_000);

  afterAll(async () => {
    await stopped?.kill();
    await takeover?.stop();
    await rq?.stop();
    await producer?.disconnect();
    await db?.destroy();
  });

  it('passes to another instance when the leader is stopped, and the stopped one publishes nothing more', async () => {
    stopped = new RelayProcess({
      ...env.vars,
      RELAY_SCHEMA: SCHEMA,
      RELAY_HOLD: '1',
      OUTBOX_RELAY_LEASE_MS: String(LEASE_MS),
    });
    await waitFor(() => stopped!.saw('leading'), { what: 'the child relay to lead', timeoutMs: 30_000 });

    // The leader reads the row, and is stopped before it sends it.
    const first = randomUUID();
    await emit(first, 1);
    await waitFor(() => stopped!.saw('publishing'), { what: 'the leader to read the row' });
    stopped.signal('SIGSTOP');

    takeover = new OutboxRelay({
      databaseUrl: env.databaseUrl,
      schema: SCHEMA,
      producer,
      pollIntervalMs: 200,
      database: { OUTBOX_RELAY_LEASE_MS: LEASE_MS },
      logger: { log: () => undefined, error: (m) => new Logger('takeover').error(m) },
    });
    takeover.start();
    await waitFor(() => takeover!.leading, { what: 'another instance to take the lead', timeoutMs: 20_000 });
    await waitFor(() => published(first) > 0, { what: 'the new leader to publish the row' });

    // Continued, the former leader finds its session ended before it sends anything.
    stopped.signal('SIGCONT');
    stopped.go();
    await waitFor(() => stopped!.saw('error', (m) => String(m).includes('lost the lead')), {
      what: 'the former leader to notice it lost the lead',
    });
    await waitFor(() => stopped!.saw('following'), { what: 'the former leader to follow' });

    // Everything after goes through the new leader, once; the stopped one's batch was never sent.
    const second = randomUUID();
    await emit(second, 2);
    await waitFor(() => published(second) > 0, { what: 'the second row' });
    expect(published(first)).toBe(1);
    expect(published(second)).toBe(1);
    expect(takeover.leading).toBe(true);
    expect(stopped.said.filter((s) => s.event === 'publishing')).toHaveLength(1);
  }, 90_000);

  it('leads again when an administrator ends its session, and publishes what was written meanwhile', async () => {
    await stopped?.kill(); // alone, so that the lead can only come back to this relay
    stopped = null;
    takeover ??= new OutboxRelay({
      databaseUrl: env.databaseUrl,
      schema: SCHEMA,
      producer,
      pollIntervalMs: 200,
      database: { OUTBOX_RELAY_LEASE_MS: LEASE_MS },
      logger: { log: () => undefined, error: () => undefined },
    });
    takeover.start();
    await waitFor(() => takeover!.leading, { what: 'the relay to lead', timeoutMs: 20_000 });

    // Its session is named after its schema (pg_stat_activity, docs/operations.md), and an
    // administrator ends it. The child's session may outlive its process for a moment: wait for one.
    const relaySessions = () =>
      db.query<{ pid: number }[]>(
        `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`,
        [`pupitre-${SCHEMA}-relay`],
      );
    const [{ pid }] = await waitFor(
      async () => {
        const rows = await relaySessions();
        return rows.length === 1 && rows;
      },
      { what: "the relay's session alone under its name" },
    );
    await db.query('SELECT pg_terminate_backend($1)', [pid]);

    const meanwhile = randomUUID();
    await emit(meanwhile, 3);
    await waitFor(() => published(meanwhile) > 0, { what: 'the row written after the session ended' });
    expect(published(meanwhile)).toBe(1);
    // It published through a new session of its own (the ended one may be listed for a moment): it
    // led again.
    await waitFor(
      async () => {
        const rows = await relaySessions();
        return rows.length === 1 && rows[0].pid !== pid;
      },
      { what: 'the relay alone on a new session' },
    );
    expect(takeover.leading).toBe(true);
  }, 60_000);
});
