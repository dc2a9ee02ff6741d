import { Client, Notification } from 'pg';
import { kafkaTuning } from '../kafka/kafka-options';
import { bytesOf, KafkaProducer, OutgoingMessage } from '../kafka/kafka-producer';
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
  /** Rows read per query; they are then sent in produce requests of at most `maxBatchBytes`. */
  batchSize?: number;
  /** Uncompressed bytes per produce request (default KAFKA_BATCH_MAX_BYTES); from 16 KiB GZIP-compressed. */
  maxBatchBytes?: number;
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

/** Header set on an outbox row the broker refused as too large; the row stays, unpublished, for an operator. */
export const PARKED_HEADER = 'pupitre-parked';

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
 *
 * Rows leave in produce requests capped in bytes, GZIP-compressed from 16 KiB. A row the broker refuses as too
 * large even on its own is parked (marked with PARKED_HEADER, logged at ERROR, counted) and the rows
 * behind it go on: otherwise one row would stop every event of the schema forever.
 */
export class OutboxRelay {
  private client: Client | null = null;
  private leader = false;
  private stopped = true;
  private wake: (() => void) | null = null;
  private pending = false;
  private loopDone: Promise<void> = Promise.resolve();
  private lastCleanup = 0;
  private parked = 0;

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

  /** Counters for metrics: rows parked because the broker refused them as too large. */
  stats(): { parked: number } {
    return { parked: this.parked };
  }

  private async drain(client: Client): Promise<void> {
    const batchSize = this.o.batchSize ?? 500;
    const maxBytes = this.o.maxBatchBytes ?? kafkaTuning().KAFKA_BATCH_MAX_BYTES;
    for (;;) {
      this.pending = false;
      const { rows } = await client.query<OutboxRow>(
        `SELECT id, topic, aggregate_id, payload, headers FROM outbox
          WHERE published_at IS NULL ORDER BY id LIMIT $1`,
        [batchSize],
      );
      if (rows.length === 0 || this.stopped) return;
      for (const chunk of chunkByBytes(rows.map(toMessage), maxBytes)) {
        if (this.stopped) return;
        await this.publish(client, chunk);
      }
      if (rows.length < batchSize && !this.pending) return;
    }
  }

  /** Publishes rows in one request, then marks them; a refused oversized row alone is parked. */
  private async publish(client: Client, rows: RowMessage[]): Promise<void> {
    try {
      // Compressed from 16 KiB (KafkaProducer): a small batch costs more CPU to (de)compress, on both
      // sides, than its bytes cost the broker (profiled at 5–7 % of routing and conversation).
      await this.o.producer.sendBatch(groupByTopic(rows));
    } catch (err) {
      if (!isTooLarge(err)) throw err;
      if (rows.length > 1) {
        for (const row of rows) await this.publish(client, [row]);
        return;
      }
      return this.park(client, rows[0], err as Error);
    }
    const ids = rows.map((r) => r.id);
    await this.o.afterPublish?.(ids);
    await client.query('UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])', [ids]);
  }

  /**
   * Takes a row the broker will never accept out of the way. Its key's later events are published
   * without it (a gap in that key's order, not a reordering); the row is kept, marked, for an operator.
   */
  private async park(client: Client, row: RowMessage, err: Error): Promise<void> {
    this.parked++;
    const reason = `${err.message} (${row.bytes} bytes uncompressed)`;
    this.o.logger.error(
      `outbox relay (${this.o.schema}): row ${row.id} of ${row.topic} (key ${row.message.key}) is larger ` +
        `than the broker accepts: parked, not published; the rows behind it go on. ${reason}`,
    );
    await client.query(
      `UPDATE outbox SET published_at = now(), headers = headers || jsonb_build_object($2::text, $3::text)
        WHERE id = $1`,
      [row.id, PARKED_HEADER, reason],
    );
  }

  private async cleanup(client: Client): Promise<void> {
    const retention = this.o.retentionMs ?? 24 * 3600 * 1000;
    if (Date.now() - this.lastCleanup < 60_000) return;
    this.lastCleanup = Date.now();
    await client.query(
      `DELETE FROM outbox WHERE published_at IS NOT NULL AND published_at < now() - ($1::bigint * interval '1 millisecond')
          AND NOT headers ? $2`,
      [retention, PARKED_HEADER],
    );
    await client.query(
      `DELETE FROM outbox WHERE headers ? $2 AND published_at < now() - ($1::bigint * interval '1 millisecond')`,
      [this.o.inboxRetentionMs ?? 14 * 24 * 3600 * 1000, PARKED_HEADER],
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

interface RowMessage {
  id: string;
  topic: string;
  message: OutgoingMessage;
  bytes: number;
}

function toMessage(r: OutboxRow): RowMessage {
  const message = { key: r.aggregate_id, value: JSON.stringify(r.payload), headers: r.headers };
  return { id: r.id, topic: r.topic, message, bytes: bytesOf([message]) };
}

/** Consecutive runs of rows of at most `maxBytes` each (a larger row goes alone). */
function chunkByBytes(rows: RowMessage[], maxBytes: number): RowMessage[][] {
  const chunks: RowMessage[][] = [];
  let current: RowMessage[] = [];
  let bytes = 0;
  for (const row of rows) {
    if (current.length > 0 && bytes + row.bytes > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(row);
    bytes += row.bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

const TOO_LARGE = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);

/** The broker's "too large" answer, however kafkajs wrapped it (cause, originalError, aggregated errors). */
export function isTooLarge(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 5) return false;
  const e = err as { type?: string; cause?: unknown; originalError?: unknown; errors?: unknown[] };
  if (typeof e.type === 'string' && TOO_LARGE.has(e.type)) return true;
  return [e.cause, e.originalError, ...(Array.isArray(e.errors) ? e.errors : [])].some((c) =>
    isTooLarge(c, depth + 1),
  );
}

function groupByTopic(rows: RowMessage[]): { topic: string; messages: OutgoingMessage[] }[] {
  const byTopic = new Map<string, OutgoingMessage[]>();
  for (const r of rows) {
    const list = byTopic.get(r.topic) ?? [];
    list.push(r.message);
    byTopic.set(r.topic, list);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}
