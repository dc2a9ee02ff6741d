import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The partial index DeadlinePublicationSweep finds the marked conversations through: it holds only
 * them, so the sweep's read costs what is marked, not the table. Built CONCURRENTLY, outside a
 * transaction (`transaction = false`), so routing's consumers and sweeps keep writing the table while
 * it is built; until then the sweep's read scans the table. A concurrent build that fails leaves an
 * invalid index behind, which `IF NOT EXISTS` would then take as built: docs/operations.md
 * ("Upgrades") says how to find and rebuild it.
 */
export class DeadlinesUnpublishedIndex1765200000001 implements MigrationInterface {
  name = 'DeadlinesUnpublishedIndex1765200000001';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX CONCURRENTLY IF NOT EXISTS routed_deadlines_unpublished
         ON routed_conversations (conversation_id) WHERE deadlines_unpublished`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX CONCURRENTLY IF EXISTS routed_deadlines_unpublished');
  }
}
