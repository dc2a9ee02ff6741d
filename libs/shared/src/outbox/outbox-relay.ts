import { Client, Notification } from 'pg';
import { prepared } from '../database/prepared';
import {
  DatabaseTimeouts,
  DEFAULT_DATABASE_TIMEOUTS,
  sessionName,
  sessionOptions,
} from '../database/session-options';
import { EVENT_TYPE_HEADER } from '../kafka/event-type-header';
import { kafkaTuning } from '../kafka/kafka-options';
import { bytesOf, KafkaProducer, OutgoingMessage } from '../kafka/kafka-producer';
import { pipelineTrace } from '../ops/pipeline-trace';
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
  /** Session timeouts and keepalives, and `OUTBOX_RELAY_LEASE_MS` (defaults: DatabaseEnv's). */
  database?: DatabaseTimeouts;
  /** Test seam: runs before a batch is sent, before the leader checks it still leads. */
  beforePublish?: (ids: string[]) => Promise<void> | void;
  /** Rows read per query; they are then sent in produce requests of at most `maxBatchBytes`. */
  batchSize?: number;
  /** Uncompressed bytes per produce request (default KAFKA_BATCH_MAX_BYTES); from 16 KiB GZIP-compressed. */
  maxBatchBytes?: number;
  /** Fallback poll when no NOTIFY arrives (a lost notification, another instance's rows). */
  pollIntervalMs?: number;
  /**
   * Processed message ids are kept this long: longer than the topics' retention (7 days by default),
   * so nothing Kafka can still redeliver has lost its record.
   */
  inboxRetentionMs?: number;
  /** Test seam: runs after Kafka acknowledged a batch and before the rows are deleted. */
  afterPublish?: (ids: string[]) => Promise<void> | void;
  /** Told of the rows published (ops: the published-events counter by topic and event type). */
  published?: (rows: { topic: string; type: string }[]) => void;
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
 * holds with many instances; the others wait to take over. Publish, then delete: a crash between the
 * two republishes, and consumers drop the duplicate by event id. A published row is deleted, not
 * marked: a mark was a new copy of the row (payload included) and two index entries, then a delete a
 * day later, for a copy of what the topic itself keeps. The leader also prunes old inbox rows and
 * parked outbox rows, so both tables stay as large as the recent work, not the history.
 *
 * Rows leave in produce requests capped in bytes, GZIP-compressed from 16 KiB. A row the broker refuses as too
 * large even on its own is parked (marked with PARKED_HEADER, logged at ERROR, counted) and the rows
 * behind it go on: otherwise one row would stop every event of the schema forever.
 *
 * Leadership is a lease: the lock's session has `idle_session_timeout` = `OUTBOX_RELAY_LEASE_MS`, so a
 * leader that stops talking (process stopped, host gone: its TCP session would live for hours) is
 * ended by the server and its lock freed; another instance takes over at its next poll. A live leader
 * touches its session every third of the lease, even while a send waits on Kafka, and proves it still
 * holds it (a query on that session) before each produce request: a leader that was stopped and
 * continued finds its session gone and publishes nothing more. What remains is the few milliseconds
 * between that check and the send: a leader stopped exactly there republishes one batch when continued,
 * which consumers (and the gateway's feed) drop by event id.
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
  private keepalive: NodeJS.Timeout | null = null;
  private readonly leaseMs: number;

  constructor(private readonly o: OutboxRelayOptions) {
    this.leaseMs = o.database?.OUTBOX_RELAY_LEASE_MS ?? DEFAULT_DATABASE_TIMEOUTS.OUTBOX_RELAY_LEASE_MS;
  }

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
        const lost = this.leader
          ? ': lost the lead; another instance publishes until this one leads again'
          : '';
        this.o.logger.error(`outbox relay (${this.o.schema}): ${(err as Error).message}${lost}`);
        await this.dropClient();
      }
      // Followers ask for the lock at least this often, and so touch their own session too.
      await this.idle(Math.min(this.o.pollIntervalMs ?? 1000, this.leaseMs / 3));
    }
  }

  /** Counters for metrics: rows parked because the broker refused them as too large. */
  stats(): { parked: number } {
    return { parked: this.parked };
  }

  /** Whether this instance holds the lead now (as far as it knows: the lease may have run out). */
  get leading(): boolean {
    return this.leader;
  }

  /** Rows were committed in this process (Outbox.wakeInProcess): publish without waiting for a poll. */
  nudge(): void {
    this.pending = true;
    this.wake?.();
  }

  /**
   * Publishes what waits, a read at a time. While more keeps coming (rows committed during a send
   * nudge the relay), a read's published rows are deleted by the next read's statement, one round
   * trip per read instead of two; the last read's are deleted at once, so an idle outbox is empty.
   */
  private async drain(client: Client): Promise<void> {
    const batchSize = this.o.batchSize ?? 500;
    const maxBytes = this.o.maxBatchBytes ?? kafkaTuning().KAFKA_BATCH_MAX_BYTES;
    // Sent, not deleted yet. A failure leaves them for the next read, or the next leader, to publish
    // again: consumers drop the duplicates by event id.
    let published: string[] = [];
    for (;;) {
      this.pending = false;
      const rows = await this.read(client, batchSize, published);
      published = [];
      if (rows.length === 0 || this.stopped) return;
      let justRead = true;
      for (const chunk of chunkByBytes(rows, maxBytes)) {
        if (this.stopped) break;
        await this.confirmLead(client, chunk, justRead);
        justRead = false;
        published.push(...(await this.publish(client, chunk)));
      }
      if (this.stopped || (rows.length < batchSize && !this.pending)) {
        if (published.length > 0) await this.remove(client, published);
        return;
      }
    }
  }

  /**
   * The next rows in id order, after deleting `published` (rows already sent) in the same statement;
   * with none sent yet, the delete finds nothing. The select sees the rows as before the delete (one
   * snapshot): the sent ones are left out by id.
   */
  private async read(client: Client, batchSize: number, published: string[]): Promise<OutboxRow[]> {
    const { rows } = await client.query<OutboxRow>({
      ...prepared(
        `WITH sent AS (DELETE FROM outbox WHERE id = ANY($2::bigint[]))
         SELECT id, topic, aggregate_id, payload, headers FROM outbox
          WHERE published_at IS NULL AND id <> ALL($2::bigint[]) ORDER BY id LIMIT $1`,
      ),
      values: [batchSize, published],
    });
    return rows;
  }

  private async remove(client: Client, ids: string[]): Promise<void> {
    await client.query({ ...prepared('DELETE FROM outbox WHERE id = ANY($1::bigint[])'), values: [ids] });
  }

  /**
   * Publishes rows in one request and returns their ids, to be deleted (see drain); a refused
   * oversized row alone is parked.
   */
  private async publish(client: Client, rows: RowMessage[]): Promise<string[]> {
    try {
      // Compressed from 16 KiB (KafkaProducer): a small batch costs more CPU to (de)compress, on both
      // sides, than its bytes cost the broker (profiled at 5–7 % of routing and conversation).
      const sent = Date.now();
      await this.o.producer.sendBatch(groupByTopic(rows));
      pipelineTrace()?.add(`relay:${this.o.schema}.send`, rows.length, Date.now() - sent);
    } catch (err) {
      if (!isTooLarge(err)) throw err;
      if (rows.length > 1) {
        const ids: string[] = [];
        for (const row of rows) ids.push(...(await this.publish(client, [row])));
        return ids;
      }
      await this.park(client, rows[0], err as Error);
      return [];
    }
    const ids = rows.map((r) => r.id);
    await this.o.afterPublish?.(ids);
    this.o.published?.(rows);
    return ids;
  }

  /**
   * Throws once the server ended this session (lease run out): a former leader sends nothing more.
   * The rows' own SELECT, just answered on this session with nothing awaited since, proves it as
   * well as a `SELECT 1` would (a process stopped after either sends when continued): the first
   * produce request of a read needs no round trip of its own, the later ones (and the test seam's
   * pause) do.
   */
  private async confirmLead(client: Client, rows: RowMessage[], justRead: boolean): Promise<void> {
    const seam = this.o.beforePublish;
    if (seam) await seam(rows.map((r) => r.id));
    if (!justRead || seam) await client.query('SELECT 1');
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
    if (Date.now() - this.lastCleanup < 60_000) return;
    this.lastCleanup = Date.now();
    const retention = this.o.inboxRetentionMs ?? 14 * 24 * 3600 * 1000;
    // Rows marked published by a relay from before publish-then-delete (an upgraded database), and
    // parked rows once an operator has had as long as the inbox keeps ids to look at them.
    await client.query(
      `DELETE FROM outbox WHERE published_at IS NOT NULL
          AND (NOT headers ? $2 OR published_at < now() - ($1::bigint * interval '1 millisecond'))`,
      [retention, PARKED_HEADER],
    );
    await client.query(
      `DELETE FROM inbox WHERE processed_at < now() - ($1::bigint * interval '1 millisecond')`,
      [retention],
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
      ...sessionOptions(this.o.schema, this.o.database, {
        idle_session_timeout: this.leaseMs,
        // The unpublished rows are read through their partial index in id order. A published row
        // (deleted) leaves a dead entry there until vacuum; a plain index scan marks it dead on its
        // first visit and skips it after, but the bitmap scan the planner prefers visits every dead
        // row's heap page again at each poll: at 1,000 messages/s the relay's polls grew to most of
        // PostgreSQL's CPU within 30 s (bench/flow, issue 7's note).
        enable_bitmapscan: 'off',
        // Its few statements are planned at each run: a generic plan made while the table was small
        // (a new database, or after the cleanup) is a sequential scan, kept until the next ANALYZE,
        // and the statement that marked rows published (they are deleted now) then read the whole
        // table at every send (bench/flow: from 99 to 1,300 buffers a call within a minute).
        plan_cache_mode: 'force_custom_plan',
      }),
      application_name: sessionName(this.o.schema, 'relay'),
    });
    client.on('error', (err) => this.o.logger.error(`outbox relay connection: ${err.message}`));
    client.on('notification', (_n: Notification) => this.nudge());
    await client.connect();
    await client.query(`LISTEN "${outboxChannel(this.o.schema)}"`);
    this.client = client;
    // Keeps the lease while a send waits on Kafka; a stopped process runs no timer, so it expires.
    this.keepalive = setInterval(() => {
      client.query('SELECT 1').catch(() => undefined); // a dead session is handled by the loop
    }, this.leaseMs / 3);
    this.keepalive.unref();
    return client;
  }

  private async dropClient(): Promise<void> {
    const client = this.client;
    this.client = null;
    this.leader = false; // the advisory lock dies with the session
    if (this.keepalive) clearInterval(this.keepalive);
    this.keepalive = null;
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
  /** The event's type (`conversation.assigned`…), or `other` for values without one (dead letters). */
  type: string;
  message: OutgoingMessage;
  bytes: number;
}

/** A row as its record: an event's type also goes in EVENT_TYPE_HEADER, for consumers that skip types. */
function toMessage(r: OutboxRow): RowMessage {
  const type = (r.payload as { type?: unknown } | null)?.type;
  const headers = typeof type === 'string' ? { ...r.headers, [EVENT_TYPE_HEADER]: type } : r.headers;
  const message = { key: r.aggregate_id, value: JSON.stringify(r.payload), headers };
  return {
    id: r.id,
    topic: r.topic,
    type: typeof type === 'string' ? type : 'other',
    message,
    bytes: bytesOf([message]),
  };
}

/**
 * Consecutive runs of rows of at most `maxBytes` each (a larger row goes alone), as records. Each run
 * is made when it is asked for, so between the lease's proof and the first send only the rows of
 * that send (and the first row of the next) are serialised, not a whole read.
 */
function* chunkByBytes(rows: OutboxRow[], maxBytes: number): Generator<RowMessage[]> {
  let current: RowMessage[] = [];
  let bytes = 0;
  for (const row of rows) {
    const message = toMessage(row);
    if (current.length > 0 && bytes + message.bytes > maxBytes) {
      yield current;
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += message.bytes;
  }
  if (current.length > 0) yield current;
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
