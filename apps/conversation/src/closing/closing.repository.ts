import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { CloseReason } from '@pupitre/shared';

@Injectable()
export class ClosingRepository {
  /** Closed for good: no agent deadline is left to run. */
  async close(tx: EntityManager, id: string, reason: CloseReason, at: Date): Promise<void> {
    await tx.query(
      `UPDATE conversations SET status = 'closed', closed_at = $3, close_reason = $2
        WHERE id = $1`,
      [id, reason, at],
    );
  }
}
