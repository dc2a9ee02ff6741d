import type { EntityManager } from 'typeorm';
import type { Topic, TopicMap } from '../contracts';

export const outboxChannel = (schema: string) => `${schema}_outbox`;

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

  /**
   * Many rows in one round trip, their ids in the order given (the relay publishes in id order, so
   * one key's events keep theirs). The notification is delivered at commit only, and once per
   * transaction however many rows: it wakes the relay without waiting for its poll.
   */
  async addAll(tx: EntityManager, entries: OutboxEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const rows = entries.map((e) => ({
      topic: e.topic,
      key: e.key,
      value: e.value,
      headers: e.headers ?? {},
    }));
    await tx.query(
      `WITH added AS (
         INSERT INTO outbox (topic, aggregate_id, payload, headers)
         SELECT r.e->>'topic', r.e->>'key', r.e->'value', r.e->'headers'
           FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS r(e, n) ORDER BY r.n
         RETURNING 1)
       SELECT pg_notify($2, '') WHERE EXISTS (SELECT FROM added)`,
      [JSON.stringify(rows), outboxChannel(this.schema)],
    );
  }
}
