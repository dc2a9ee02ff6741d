import type { QueryRunner } from 'typeorm';

/**
 * The outbox (events waiting for the relay) and the inbox (events and requests already applied),
 * created in the service's own schema by its first migration.
 */
export async function createMessagingTables(q: QueryRunner): Promise<void> {
  await q.query(`
    CREATE TABLE outbox (
      id bigserial PRIMARY KEY,
      topic text NOT NULL,
      aggregate_id text,
      payload jsonb NOT NULL,
      headers jsonb NOT NULL DEFAULT '{}'::jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      published_at timestamptz
    )`);
  await q.query(`CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL`);
  await q.query(`CREATE INDEX outbox_published_at ON outbox (published_at) WHERE published_at IS NOT NULL`);
  await q.query(`
    CREATE TABLE inbox (
      message_id text NOT NULL,
      consumer text NOT NULL,
      processed_at timestamptz NOT NULL DEFAULT now(),
      reply jsonb,
      PRIMARY KEY (message_id, consumer)
    )`);
  await q.query(`CREATE INDEX inbox_processed_at ON inbox (processed_at)`);
}

export async function dropMessagingTables(q: QueryRunner): Promise<void> {
  await q.query('DROP TABLE inbox');
  await q.query('DROP TABLE outbox');
}
