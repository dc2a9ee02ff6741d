import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The sweeps find due deadlines through the minute they fall in, not the deadline itself (issue 7).
 * R10's deadline moves at every visitor message; indexed, each move was an update that PostgreSQL
 * cannot keep on the row's page (HOT): a new index entry in every index of the table, and a dead row
 * version that only vacuum removes (bench/flow at 1,000 messages/s: 16 heap and 8 index pages read
 * per message in routed_conversations, rising through the run). The minute changes once a minute at
 * most, so a move between two visitor messages is HOT now (not one that sets or clears a deadline, as
 * an agent's answer does), pruned on the page without vacuum; the pages keep room for it
 * (fillfactor, set before the columns are added so that the rewrite leaves it).
 *
 * Adding stored generated columns rewrites the table under an exclusive lock: routing waits for it
 * during the upgrade, for as long as the rewrite takes (not measured here: time it on a copy).
 */
export class DeadlineMinutes1765100000000 implements MigrationInterface {
  name = 'DeadlineMinutes1765100000000';

  async up(q: QueryRunner): Promise<void> {
    // The old due indexes go first: the rewrite below would rebuild them only to be dropped.
    await q.query('DROP INDEX routed_reassign_due');
    await q.query('DROP INDEX routed_close_due');
    await q.query('ALTER TABLE routed_conversations SET (fillfactor = 70)');
    await q.query(`
      ALTER TABLE routed_conversations
        ADD COLUMN reassign_minute timestamp
          GENERATED ALWAYS AS (date_trunc('minute', reassign_at AT TIME ZONE 'UTC')) STORED,
        ADD COLUMN close_minute timestamp
          GENERATED ALWAYS AS (date_trunc('minute', close_at AT TIME ZONE 'UTC')) STORED`);
    // A partial index's predicate counts as indexed too: it names the minute, not the deadline.
    await q.query(
      `CREATE INDEX routed_reassign_due ON routed_conversations (reassign_minute) WHERE reassign_minute IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX routed_close_due ON routed_conversations (close_minute) WHERE close_minute IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX routed_reassign_due');
    await q.query('DROP INDEX routed_close_due');
    await q.query('ALTER TABLE routed_conversations DROP COLUMN reassign_minute, DROP COLUMN close_minute');
    await q.query(
      `CREATE INDEX routed_reassign_due ON routed_conversations (reassign_at) WHERE reassign_at IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX routed_close_due ON routed_conversations (close_at) WHERE close_at IS NOT NULL`,
    );
    await q.query('ALTER TABLE routed_conversations RESET (fillfactor)');
  }
}
