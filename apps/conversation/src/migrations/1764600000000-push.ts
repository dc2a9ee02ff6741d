import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Push for visitors who left (issue 9): one push token per visitor (the latest wins), and where each
 * visitor's `/visitor` sockets are, as each gateway instance reports it, with the instances' last
 * heartbeat (an instance silent for GATEWAY_PRESENCE_TTL_MS counts as gone).
 */
export class Push1764600000000 implements MigrationInterface {
  name = 'Push1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE visitors
        ADD COLUMN push_token text,
        ADD COLUMN push_platform text CHECK (push_platform IN ('ios', 'android', 'web')),
        ADD COLUMN push_token_at timestamptz`);
    await q.query(`
      CREATE TABLE visitor_presence (
        visitor_id uuid NOT NULL,
        gateway_instance text NOT NULL,
        sockets integer NOT NULL,
        seq bigint NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (visitor_id, gateway_instance)
      )`);
    await q.query('CREATE INDEX visitor_presence_instance ON visitor_presence (gateway_instance)');
    await q.query(`
      CREATE TABLE gateway_instances (
        instance text PRIMARY KEY,
        seen_at timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE gateway_instances');
    await q.query('DROP TABLE visitor_presence');
    await q.query(
      'ALTER TABLE visitors DROP COLUMN push_token, DROP COLUMN push_platform, DROP COLUMN push_token_at',
    );
  }
}
