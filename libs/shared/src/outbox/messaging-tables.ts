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
  // Every row is deleted once published: vacuum early so the relay's index scan does not walk
  // dead entries (measured in bench/flow: 2,700 index entries read to find one row).
  await q.query(
    `ALTER TABLE outbox SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000,
                             autovacuum_vacuum_cost_delay = 0)`,
  );
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
