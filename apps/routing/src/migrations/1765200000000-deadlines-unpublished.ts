import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A further visitor message only moves R10's deadline, and that move is left for
 * DeadlinePublicationSweep to publish at every sweep (RoutedConversation.onVisitorMessage). The flag
 * marks the conversations whose move is not published yet. Its default needs no table rewrite
 * (PostgreSQL 11+ keeps it in the catalogue): the ACCESS EXCLUSIVE lock it takes is held only for
 * the catalogue change, after waiting for the transactions already on the table. Its index comes in
 * the next migration, built without blocking writes.
 *
 * An update that leaves the flag as it was stays HOT; one that sets or clears it is not (the index's
 * predicate counts as indexed): two per publication at most (set by the first move after one,
 * cleared by the next), against the event each move published before.
 */
export class DeadlinesUnpublished1765200000000 implements MigrationInterface {
  name = 'DeadlinesUnpublished1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      'ALTER TABLE routed_conversations ADD COLUMN deadlines_unpublished boolean NOT NULL DEFAULT false',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE routed_conversations DROP COLUMN deadlines_unpublished');
  }
}
