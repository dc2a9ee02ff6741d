import { Injectable } from '@nestjs/common';
import type { CloseReason, Statement } from '@pupitre/shared';

/** A conversation to close for good. */
export interface Closing {
  id: string;
  reason: CloseReason;
  at: Date;
}

@Injectable()
export class ClosingRepository {
  /**
   * Closed for good (no agent deadline is left to run), one or many conversations, as a statement
   * for the caller to join their events to (ConversationEventsOutbox.addAllWith).
   */
  closing(closes: Closing[]): Statement {
    return {
      sql: `UPDATE conversations c SET status = 'closed', closed_at = d.at, close_reason = d.reason
              FROM unnest($1::uuid[], $2::text[], $3::timestamptz[]) AS d (id, reason, at)
             WHERE c.id = d.id`,
      params: [closes.map((c) => c.id), closes.map((c) => c.reason), closes.map((c) => c.at)],
    };
  }
}
