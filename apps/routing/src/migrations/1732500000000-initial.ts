import { MigrationInterface, QueryRunner } from 'typeorm';
import { createMessagingTables, dropMessagingTables } from '@pupitre/shared';

export class Initial1732500000000 implements MigrationInterface {
  name = 'Initial1732500000000';

  async up(q: QueryRunner): Promise<void> {
    await createMessagingTables(q);
    await q.query(`
      CREATE TABLE agents (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        chat_capacity int NOT NULL CHECK (chat_capacity BETWEEN 0 AND 20),
        token_version int NOT NULL DEFAULT 1,
        away boolean NOT NULL DEFAULT false,
        last_assigned_at timestamptz,
        created_at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE agent_connections (
        connection_id text PRIMARY KEY,
        agent_id uuid NOT NULL REFERENCES agents(id),
        gateway_instance text NOT NULL,
        connected_at timestamptz NOT NULL
      )`);
    await q.query('CREATE INDEX agent_connections_by_agent ON agent_connections (agent_id)');
    await q.query('CREATE INDEX agent_connections_by_instance ON agent_connections (gateway_instance)');
    await q.query(`
      CREATE TABLE routed_conversations (
        conversation_id uuid PRIMARY KEY,
        channel text NOT NULL CHECK (channel IN ('mobile_app', 'web_chat')),
        status text NOT NULL CHECK (status IN ('queued', 'assigned', 'released', 'closed')),
        agent_id uuid REFERENCES agents(id),
        queued_at timestamptz,
        assigned_at timestamptz,
        exclude_agent_id uuid,
        has_agent_message boolean NOT NULL DEFAULT false,
        last_author text CHECK (last_author IN ('visitor', 'agent')),
        last_visitor_message_at timestamptz,
        last_agent_message_at timestamptz,
        reassign_at timestamptz,
        reassign_reason text,
        close_at timestamptz,
        CHECK ((status = 'assigned') = (agent_id IS NOT NULL))
      )`);
    // The queue, first-in first-out per channel; sweeps find due deadlines through these indexes.
    await q.query(
      `CREATE INDEX routed_queue ON routed_conversations (channel, queued_at, conversation_id) WHERE status = 'queued'`,
    );
    await q.query(
      `CREATE INDEX routed_reassign_due ON routed_conversations (reassign_at) WHERE reassign_at IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX routed_close_due ON routed_conversations (close_at) WHERE close_at IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX routed_slots ON routed_conversations (agent_id, channel) WHERE status = 'assigned'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE routed_conversations');
    await q.query('DROP TABLE agent_connections');
    await q.query('DROP TABLE agents');
    await dropMessagingTables(q);
  }
}
