import { Injectable } from '@nestjs/common';
import type { CloseReason, Statement } from '@pupitre/shared';

@Injectable()
export class ClosingRepository {
  /**
   * Closed for good (no agent deadline is left to run), as a statement for the caller to join its
   * event to (ConversationEventsOutbox.addWith).
   */
  closing(id: string, reason: CloseReason, at: Date): Statement {
    return {
      sql: `UPDATE conversations SET status = 'closed', closed_at = $3, close_reason = $2 WHERE id = $1`,
      params: [id, reason, at],
    };
  }
}
