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
    await tx.query('INSERT INTO outbox (topic, aggregate_id, payload, headers) VALUES ($1, $2, $3, $4)', [
      topic,
      key,
      JSON.stringify(value),
      JSON.stringify(headers),
    ]);
    // Delivered at commit only; wakes the relay without waiting for its poll.
    await tx.query('SELECT pg_notify($1, $2)', [outboxChannel(this.schema), '']);
  }
}
