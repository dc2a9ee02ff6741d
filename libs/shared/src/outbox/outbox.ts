import type { EntityManager } from 'typeorm';
import type { Topic, TopicMap } from '../contracts';

export const outboxChannel = (schema: string) => `${schema}_outbox`;

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
    // One round trip. The notification is delivered at commit only (and once per transaction, however
    // many rows): it wakes the relay without waiting for its poll.
    await tx.query(
      `WITH added AS (
         INSERT INTO outbox (topic, aggregate_id, payload, headers) VALUES ($1, $2, $3, $4) RETURNING 1)
       SELECT pg_notify($5, '') FROM added`,
      [topic, key, JSON.stringify(value), JSON.stringify(headers), outboxChannel(this.schema)],
    );
  }
}
