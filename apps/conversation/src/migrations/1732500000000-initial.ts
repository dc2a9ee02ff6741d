import { MigrationInterface, QueryRunner } from 'typeorm';
import { createMessagingTables, dropMessagingTables } from '@pupitre/shared';

export class Initial1732500000000 implements MigrationInterface {
  name = 'Initial1732500000000';

  async up(q: QueryRunner): Promise<void> {
    await createMessagingTables(q);
    await q.query(`
      CREATE TABLE visitors (
        id uuid PRIMARY KEY,
        channel text NOT NULL CHECK (channel IN ('mobile_app', 'web_chat')),
        name text,
        platform text CHECK (platform IN ('ios', 'android', 'web')),
        blocked_at timestamptz,
        created_at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE conversations (
        id uuid PRIMARY KEY,
        visitor_id uuid NOT NULL REFERENCES visitors(id),
        channel text NOT NULL CHECK (channel IN ('mobile_app', 'web_chat')),
        status text NOT NULL CHECK (status IN ('queued', 'assigned', 'released', 'closed')),
        agent_id uuid,
        assigned_at timestamptz,
        reassign_at timestamptz,
        close_at timestamptz,
        tags text[] NOT NULL DEFAULT '{}',
        last_agent_message_id uuid,
        last_agent_id uuid,
        created_at timestamptz NOT NULL,
        closed_at timestamptz,
        close_reason text CHECK (close_reason IN ('agent', 'inactivity', 'visitor_blocked'))
      )`);
    // At most one open conversation per visitor, whatever races the application loses (R13).
    await q.query(
      `CREATE UNIQUE INDEX conversations_one_open_per_visitor ON conversations (visitor_id) WHERE closed_at IS NULL`,
    );
    await q.query(`CREATE INDEX conversations_by_visitor ON conversations (visitor_id, created_at DESC)`);
    await q.query(
      `CREATE INDEX conversations_by_agent ON conversations (agent_id) WHERE status = 'assigned'`,
    );
    await q.query(`
      CREATE TABLE messages (
        seq bigserial PRIMARY KEY,
        id uuid NOT NULL UNIQUE,
        conversation_id uuid NOT NULL REFERENCES conversations(id),
        author_type text NOT NULL CHECK (author_type IN ('visitor', 'agent')),
        author_id uuid NOT NULL,
        client_message_id text NOT NULL,
        text text NOT NULL,
        created_at timestamptz NOT NULL
      )`);
    // Mobile networks retry: one message per author and clientMessageId.
    await q.query(
      `CREATE UNIQUE INDEX messages_idempotency ON messages (author_type, author_id, client_message_id)`,
    );
    await q.query(`CREATE INDEX messages_by_conversation ON messages (conversation_id, seq)`);
    await q.query(`
      CREATE TABLE canned_responses (
        id uuid PRIMARY KEY,
        title text NOT NULL,
        text text NOT NULL,
        created_at timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE canned_responses');
    await q.query('DROP TABLE messages');
    await q.query('DROP TABLE conversations');
    await q.query('DROP TABLE visitors');
    await dropMessagingTables(q);
  }
}
