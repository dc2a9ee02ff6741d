import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A further visitor message only moves R10's deadline, and that move is held for HeldDeadlinesSweep
 * to publish at every sweep (RoutedConversation.onVisitorMessage). The flag marks the held ones; the
 * partial index holds only them, so the publication's read costs what is held, not the table. The
 * default needs no rewrite (PostgreSQL 11+ keeps it in the catalogue). An update that leaves the flag
 * as it was stays HOT; one that sets or clears it is not (the predicate counts as indexed): two per
 * publication at most (set by the first move after one, cleared by the next), against the event each
 * move published before.
 */
export class DeadlinesHeld1765200000000 implements MigrationInterface {
  name = 'DeadlinesHeld1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      'ALTER TABLE routed_conversations ADD COLUMN deadlines_held boolean NOT NULL DEFAULT false',
    );
    await q.query(
      'CREATE INDEX routed_deadlines_held ON routed_conversations (conversation_id) WHERE deadlines_held',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX routed_deadlines_held');
    await q.query('ALTER TABLE routed_conversations DROP COLUMN deadlines_held');
  }
}
