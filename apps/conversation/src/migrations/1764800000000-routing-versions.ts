import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The version of the last routing event applied to the conversation's copy of routing's decisions:
 * an older one (a dead letter replayed late) never rewrites a newer holder. Null: none versioned yet.
 */
export class RoutingVersions1764800000000 implements MigrationInterface {
  name = 'RoutingVersions1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE conversations ADD COLUMN routing_version bigint');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE conversations DROP COLUMN routing_version');
  }
}
