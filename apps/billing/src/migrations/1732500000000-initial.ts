import { MigrationInterface, QueryRunner } from 'typeorm';
import { createMessagingTables, dropMessagingTables } from '@pupitre/shared';

export class Initial1732500000000 implements MigrationInterface {
  name = 'Initial1732500000000';

  async up(q: QueryRunner): Promise<void> {
    await createMessagingTables(q);
    // One attribution per conversation, whatever is replayed (R14): the primary key says so.
    await q.query(`
      CREATE TABLE remunerations (
        conversation_id uuid PRIMARY KEY,
        event_id uuid NOT NULL UNIQUE,
        agent_id uuid NOT NULL,
        channel text NOT NULL,
        closed_at timestamptz NOT NULL,
        close_reason text NOT NULL,
        last_agent_message_id uuid NOT NULL,
        amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
        currency char(3) NOT NULL,
        attributed_at timestamptz NOT NULL
      )`);
    await q.query('CREATE INDEX remunerations_by_agent ON remunerations (agent_id, closed_at)');
    await q.query('CREATE INDEX remunerations_by_closed_at ON remunerations (closed_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE remunerations');
    await dropMessagingTables(q);
  }
}
