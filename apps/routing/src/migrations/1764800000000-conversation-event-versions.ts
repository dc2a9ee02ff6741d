import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A counter per conversation, bumped by each routing event about it (queued, assigned, unassigned,
 * deadlines changed) and carried as the event's `version`: conversation keeps a copy of who holds a
 * conversation, and drops an event older than the one it recorded (a dead letter replayed late).
 */
export class ConversationEventVersions1764800000000 implements MigrationInterface {
  name = 'ConversationEventVersions1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE routed_conversations ADD COLUMN event_version bigint NOT NULL DEFAULT 0');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE routed_conversations DROP COLUMN event_version');
  }
}
