import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Queue positions (issue 9): each routed conversation knows its visitor (from conversation.opened), so
 * a channel's queue snapshot can say whose conversation is where; one row per channel holds the
 * snapshot's version, a digest of what was last published, and the recent assignment times the wait
 * estimate is made from. The row is written only under the channel's lock (matching rounds).
 */
export class QueueSnapshots1764600000000 implements MigrationInterface {
  name = 'QueueSnapshots1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE routed_conversations ADD COLUMN visitor_id uuid');
    await q.query(`
      CREATE TABLE channel_queues (
        channel text PRIMARY KEY CHECK (channel IN ('mobile_app', 'web_chat')),
        version bigint NOT NULL DEFAULT 0,
        digest text,
        recent_assignments timestamptz[] NOT NULL DEFAULT '{}'
      )`);
    await q.query(`INSERT INTO channel_queues (channel) VALUES ('mobile_app'), ('web_chat')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE channel_queues');
    await q.query('ALTER TABLE routed_conversations DROP COLUMN visitor_id');
  }
}
