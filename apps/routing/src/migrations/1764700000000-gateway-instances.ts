import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When each gateway instance was last heard of (desk.instance-started, desk.instance-alive): one silent
 * for DESK_INSTANCE_TTL_MS is expired with its desk connections, so a gateway that died without
 * stopping leaves no agent available.
 */
export class GatewayInstances1764700000000 implements MigrationInterface {
  name = 'GatewayInstances1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      'CREATE TABLE gateway_instances (gateway_instance text PRIMARY KEY, seen_at timestamptz NOT NULL)',
    );
    await q.query('CREATE INDEX gateway_instances_by_seen_at ON gateway_instances (seen_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE gateway_instances');
  }
}
