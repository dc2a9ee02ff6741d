import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { type ConversationStatus, returningRows, queryPrepared } from '@pupitre/shared';

interface AssignmentProjection {
  status: ConversationStatus;
  agentId: string | null;
  assignedAt: Date | null;
  reassignAt: Date | null;
  closeAt: Date | null;
}

/** Routing's decisions, projected onto the conversation's row; a closed conversation stays closed. */
@Injectable()
export class AssignmentsRepository {
  /** Whether the row was updated (false: no such conversation, or it is closed). */
  async project(tx: EntityManager, id: string, p: AssignmentProjection): Promise<boolean> {
    const rows = await returningRows<{ id: string }>(
      tx,
      `UPDATE conversations SET status = $2, agent_id = $3, assigned_at = $4, reassign_at = $5, close_at = $6
        WHERE id = $1 AND closed_at IS NULL RETURNING id`,
      [id, p.status, p.agentId, p.assignedAt, p.reassignAt, p.closeAt],
    );
    return rows.length === 1;
  }

  /**
   * Records that the routing event of `version` is applied; false when one as new was already (this
   * one is stale: a dead letter replayed late), and then nothing of it may be applied.
   */
  async claimRoutingVersion(tx: EntityManager, id: string, version: number): Promise<boolean> {
    const rows = await returningRows<{ id: string }>(
      tx,
      `UPDATE conversations SET routing_version = $2
        WHERE id = $1 AND (routing_version IS NULL OR routing_version < $2) RETURNING id`,
      [id, version],
    );
    if (rows.length === 1) return true;
    const exists: unknown[] = await tx.query('SELECT 1 FROM conversations WHERE id = $1', [id]);
    return exists.length === 0; // unknown here: the handlers below decide as before
  }

  /**
   * claimRoutingVersion and projectDeadlines in one statement, for routing's most frequent event (R10
   * moves the deadline at every visitor message): nothing changes when the version is not newer, or
   * when there is no such conversation — what the two statements did. Deadlines of a closed one stay.
   */
  async projectDeadlinesAt(
    tx: EntityManager,
    id: string,
    version: number,
    reassignAt: Date | null,
    closeAt: Date | null,
  ): Promise<void> {
    await queryPrepared(
      tx,
      `UPDATE conversations SET routing_version = $2,
              reassign_at = CASE WHEN closed_at IS NULL THEN $3 ELSE reassign_at END,
              close_at = CASE WHEN closed_at IS NULL THEN $4 ELSE close_at END
        WHERE id = $1 AND (routing_version IS NULL OR routing_version < $2)`,
      [id, version, reassignAt, closeAt],
    );
  }

  async projectDeadlines(tx: EntityManager, id: string, reassignAt: Date | null, closeAt: Date | null) {
    await tx.query(
      'UPDATE conversations SET reassign_at = $2, close_at = $3 WHERE id = $1 AND closed_at IS NULL',
      [id, reassignAt, closeAt],
    );
  }
}
