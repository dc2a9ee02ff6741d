import { Client, Notification } from 'pg';
import type { KafkaProducer, OutgoingMessage } from '../kafka/kafka-producer';
import { outboxChannel } from './outbox';

export interface RelayLogger {
  log(message: string): void;
  error(message: string): void;
}

export interface OutboxRelayOptions {
  databaseUrl: string;
  schema: string;
  producer: KafkaProducer;
  logger: RelayLogger;
  batchSize?: number;
  /** Fallback poll when no NOTIFY arrives (a lost notification, another instance's rows). */
  pollIntervalMs?: number;
  /** Published rows are kept this long for inspection, then deleted. */
  retentionMs?: number;
  /**
   * Processed message ids are kept this long: longer than the topics' retention (7 days by default),
   * so nothing Kafka can still redeliver has lost its record.
   */
  inboxRetentionMs?: number;
  /** Test seam: runs after Kafka acknowledged a batch and before the rows are marked published. */
  afterPublish?: (ids: string[]) => Promise<void> | void;
}

interface OutboxRow {
  id: string;
  topic: string;
  aggregate_id: string | null;
  payload: unknown;
  headers: Record<string, string>;
}

/**
 * Publishes the outbox in id order. One leader per schema (a session advisory lock) so per-key order
 * holds with many instances; the others wait to take over. Publish, then mark: a crash between the two
 * republishes, and consumers drop the duplicate by event id. The leader also prunes old outbox and
 * inbox rows, so both tables stay as large as the recent work, not the history.
 */
export class OutboxRelay {
  private client: Client | null = null;
  private leader = false;
  private stopped = true;
  private wake: (() => void) | null = null;
  private pending = false;
  private loopDone: Promise<void> = Promise.resolve();
  private lastCleanup = 0;

  constructor(private readonly o: OutboxRelayOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loopDone = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loopDone;
    await this.dropClient();
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        const client = await this.ensureClient();
        if (!this.leader) this.leader = await this.tryLead(client);
        if (this.leader) {
          await this.drain(client);
          await this.cleanup(client);
        }
      } catch (err) {
        this.o.logger.error(`outbox relay (${this.o.schema}): ${(err as Error).message}`);
        await this.dropClient();
      }
      await this.idle(this.o.pollIntervalMs ?? 1000);
    }
  }

  private async drain(client: Client): Promise<void> {
    const batchSize = this.o.batchSize ?? 500;
    for (;;) {
      this.pending = false;
      const { rows } = await client.query<OutboxRow>(
        `SELECT id, topic, aggregate_id, payload, headers FROM outbox
          WHERE published_at IS NULL ORDER BY id LIMIT $1`,
        [batchSize],
      );
      if (rows.length === 0 || this.stopped) return;
      await this.o.producer.sendBatch(groupByTopic(rows));
      const ids = rows.map((r) => r.id);
      await this.o.afterPublish?.(ids);
      await client.query('UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])', [ids]);
      if (rows.length < batchSize && !this.pending) return;
    }
  }

  private async cleanup(client: Client): Promise<void> {
    const retention = this.o.retentionMs ?? 24 * 3600 * 1000;
    if (Date.now() - this.lastCleanup < 60_000) return;
    this.lastCleanup = Date.now();
    await client.query(
      `DELETE FROM outbox WHERE published_at IS NOT NULL AND published_at < now() - ($1::bigint * interval '1 millisecond')`,
      [retention],
    );
    await client.query(
      `DELETE FROM inbox WHERE processed_at < now() - ($1::bigint * interval '1 millisecond')`,
      [this.o.inboxRetentionMs ?? 14 * 24 * 3600 * 1000],
    );
  }

  private async tryLead(client: Client): Promise<boolean> {
    const { rows } = await client.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_lock(hashtext($1)) AS locked',
      [`${this.o.schema}.outbox-relay`],
    );
    return rows[0].locked;
  }

  private async ensureClient(): Promise<Client> {
    if (this.client) return this.client;
    const client = new Client({
      connectionString: this.o.databaseUrl,
      options: `-c search_path=${this.o.schema}`,
    });
    client.on('error', (err) => this.o.logger.error(`outbox relay connection: ${err.message}`));
    client.on('notification', (_n: Notification) => {
      this.pending = true;
      this.wake?.();
    });
    await client.connect();
    await client.query(`LISTEN "${outboxChannel(this.o.schema)}"`);
    this.client = client;
    return client;
  }

  private async dropClient(): Promise<void> {
    const client = this.client;
    this.client = null;
    this.leader = false; // the advisory lock dies with the session
    if (client) await client.end().catch(() => undefined);
  }

  private idle(ms: number): Promise<void> {
    if (this.pending || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        done();
      };
    });
  }
}

function groupByTopic(rows: OutboxRow[]): { topic: string; messages: OutgoingMessage[] }[] {
  const byTopic = new Map<string, OutgoingMessage[]>();
  for (const r of rows) {
    const list = byTopic.get(r.topic) ?? [];
    list.push({ key: r.aggregate_id, value: JSON.stringify(r.payload), headers: r.headers });
    byTopic.set(r.topic, list);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}
