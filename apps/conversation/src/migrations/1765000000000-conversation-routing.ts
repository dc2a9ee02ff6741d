import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Conversation's copy of routing's deadlines, and the version of the last routing event applied, in
 * a table of their own: routing moves a conversation's deadlines at every visitor message (R10), and
 * projecting that onto the `conversations` row made conversation's consumer of routing events wait
 * for the row locks its request batches hold, and the batches for it (issue 7). The holder stays on
 * the conversation's row; only assignments, rare, write both. A narrow table with room on its pages
 * (fillfactor) keeps each update on its page, with no index to touch (HOT).
 *
 * The old columns are dropped here, not in a later release: an instance older than this migration
 * fails to project routing's events until it is replaced (they are retried, then dead-lettered, and
 * `npm run dlq` replays them; versions keep a replay from rewriting newer state), so replace
 * conversation's instances together for this upgrade (docs/operations.md).
 */
export class ConversationRouting1765000000000 implements MigrationInterface {
  name = 'ConversationRouting1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE conversation_routing (
        conversation_id uuid PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
        routing_version bigint,
        reassign_at timestamptz,
        close_at timestamptz
      ) WITH (fillfactor = 70)`);
    await q.query(`
      INSERT INTO conversation_routing (conversation_id, routing_version, reassign_at, close_at)
      SELECT id, routing_version, reassign_at, close_at FROM conversations
       WHERE routing_version IS NOT NULL OR reassign_at IS NOT NULL OR close_at IS NOT NULL`);
    await q.query(
      'ALTER TABLE conversations DROP COLUMN routing_version, DROP COLUMN reassign_at, DROP COLUMN close_at',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE conversations ADD COLUMN reassign_at timestamptz, ADD COLUMN close_at timestamptz,
                   ADD COLUMN routing_version bigint`);
    await q.query(`
      UPDATE conversations c SET routing_version = r.routing_version,
             reassign_at = CASE WHEN c.closed_at IS NULL THEN r.reassign_at END,
             close_at = CASE WHEN c.closed_at IS NULL THEN r.close_at END
        FROM conversation_routing r WHERE r.conversation_id = c.id`);
    await q.query('DROP TABLE conversation_routing');
  }
}
