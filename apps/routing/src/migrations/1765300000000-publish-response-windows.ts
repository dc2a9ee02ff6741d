import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * From this release routing publishes R10's window instead of each move of R10's deadline
 * (RoutedConversation.onVisitorMessage), and conversation's copy and the gateways move the deadline
 * themselves. The conversations whose R10 already runs were published without a window: they are
 * marked here, and DeadlinePublicationSweep publishes their deadlines again, with the window, at its
 * next pass. One update of the marked rows only (those on a desk waiting for an agent's answer).
 */
export class PublishResponseWindows1765300000000 implements MigrationInterface {
  name = 'PublishResponseWindows1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      UPDATE routed_conversations SET deadlines_unpublished = true
       WHERE status = 'assigned' AND reassign_reason = 'response_timeout' AND NOT deadlines_unpublished`);
  }

  async down(): Promise<void> {
    // Nothing to undo: a mark only asks for the deadlines to be published again.
  }
}
