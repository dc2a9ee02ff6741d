import type { EntityManager } from 'typeorm';
import { queryPrepared } from '../database/prepared';
import type { Topic, TopicMap } from '../contracts';

export const outboxChannel = (schema: string) => `${schema}_outbox`;

/** A statement and its parameters, `$1`…`$n` in `sql` for n = `params.length`. */
export interface Statement {
  sql: string;
  params: unknown[];
}

/** One row to write: a wrong payload for its topic does not compile. */
export type OutboxEntry = {
  [T in Topic]: { topic: T; key: string; value: TopicMap[T]; headers?: Record<string, string> };
}[Topic];

/**
 * The only way a service emits: the row is written in the caller's transaction, so an event exists
 * if and only if the state change that caused it committed. The relay publishes it.
 */
export class Outbox {
  constructor(private readonly schema: string) {}

  async add<T extends Topic>(
    tx: EntityManager,
    topic: T,
    key: string,
    value: TopicMap[T],
    headers: Record<string, string> = {},
  ): Promise<void> {
    await this.addAll(tx, [{ topic, key, value, headers } as OutboxEntry]);
  }

  /** Many rows in one round trip, their ids in the order given (see `insertion`). */
  async addAll(tx: EntityManager, entries: OutboxEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const rows = this.insertion(0, entries);
    await queryPrepared(tx, rows.sql, rows.params);
  }

  /**
   * The caller's `write` (an INSERT, UPDATE or DELETE, which may start with its own WITH) and the row
   * in one statement, one round trip: the row is a data-modifying CTE of `write`, so both happen or
   * neither does. Returns what `write` returns, as `tx.query` would.
   */
  async addWith<T extends Topic, R = unknown>(
    tx: EntityManager,
    write: Statement,
    topic: T,
    key: string,
    value: TopicMap[T],
    headers: Record<string, string> = {},
  ): Promise<R> {
    const row = this.insertion(write.params.length, [{ topic, key, value, headers } as OutboxEntry]);
    const withRow = `WITH outbox_row AS (${row.sql})`;
    const sql = LEADING_WITH.test(write.sql)
      ? write.sql.replace(LEADING_WITH, `${withRow}, `)
      : `${withRow} ${write.sql}`;
    return queryPrepared(tx, sql, [...write.params, ...row.params]);
  }

  /**
   * The one insert of outbox rows, its two placeholders numbered after the `before` parameters of its
   * statement. Ids follow the order given (the relay publishes in id order, so one key's events keep
   * theirs). The notification is delivered at commit only, and once per transaction however many rows:
   * it wakes the relay without waiting for its poll; in RETURNING it runs even when nothing reads it.
   */
  private insertion(before: number, entries: OutboxEntry[]): Statement {
    const [rows, channel] = [`$${before + 1}`, `$${before + 2}`];
    return {
      sql: `INSERT INTO outbox (topic, aggregate_id, payload, headers)
            SELECT r.e->>'topic', r.e->>'key', r.e->'value', r.e->'headers'
              FROM jsonb_array_elements(${rows}::jsonb) WITH ORDINALITY AS r(e, n) ORDER BY r.n
            RETURNING pg_notify(${channel}, '')`,
      params: [
        JSON.stringify(
          entries.map((e) => ({ topic: e.topic, key: e.key, value: e.value, headers: e.headers ?? {} })),
        ),
        outboxChannel(this.schema),
      ],
    };
  }
}

const LEADING_WITH = /^\s*WITH\s+/i;
