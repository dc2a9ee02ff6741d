import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One counter per agent, bumped in the transaction that publishes the agent's slot counts, so the
 * gateway can drop a count older than one it already pushed (see slots-changed.notifier.ts). A table of
 * its own: its row lock is taken only there, never beside the agents' rows.
 */
export class SlotVersions1764500000000 implements MigrationInterface {
  name = 'SlotVersions1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      'CREATE TABLE agent_slot_versions (agent_id uuid PRIMARY KEY, version bigint NOT NULL DEFAULT 0)',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE agent_slot_versions');
  }
}
