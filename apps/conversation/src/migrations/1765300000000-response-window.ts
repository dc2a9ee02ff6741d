import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * R10's window beside conversation's copy of routing's deadlines: routing no longer publishes each
 * move of R10 by a visitor message, only the window when R10 starts, and a view moves `reassignAt`
 * from its latest visitor message (movedByVisitorMessage). Null while R10 does not run. Adding a
 * nullable column without a default rewrites nothing; an older instance ignores it.
 */
export class ResponseWindow1765300000000 implements MigrationInterface {
  name = 'ResponseWindow1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE conversation_routing ADD COLUMN response_window_ms integer');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE conversation_routing DROP COLUMN response_window_ms');
  }
}
