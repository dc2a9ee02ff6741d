import { MigrationInterface, QueryRunner } from 'typeorm';

/** How long a conversation keeps away from the agent it was taken from (see domain/exclusion.ts). */
export class ExclusionUntil1764100000000 implements MigrationInterface {
  name = 'ExclusionUntil1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE routed_conversations ADD COLUMN exclude_until timestamptz');
    // Exclusions left by the previous code applied to one matching round only.
    await q.query(
      'UPDATE routed_conversations SET exclude_agent_id = NULL WHERE exclude_agent_id IS NOT NULL',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE routed_conversations DROP COLUMN exclude_until');
  }
}
