import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { type ConversationStatus, returningRows, queryPrepared } from '@pupitre/shared';

interface AssignmentProjection {
  status: ConversationStatus;
  agentId: string | null;
  assignedAt: Date | null;
  reassignAt: Date | null;
  closeAt: Date | null;
  /** R10's window while it runs (responseWindowMsSchema), else null. */
  responseWindowMs: number | null;
}

/** Routing's deadlines for one conversation, as of its routing event `version`. */
export interface DeadlinesChange {
  conversationId: string;
  version: number;
  reassignAt: Date | null;
  closeAt: Date | null;
  responseWindowMs: number | null;
}

/**
 * Routing's decisions, projected: the holder onto the conversation's row, the deadlines and the
 * version of the last routing event applied onto its `conversation_routing` row (the migration says
 * why apart). A closed conversation stays closed; its deadlines are not shown (ConversationsRepository).
 */
@Injectable()
export class AssignmentsRepository {
  /**
   * Routing's holder and deadlines for one or many conversations, one change each: those not closed
   * are locked in id order (the order every batch locks conversations in; `FOR NO KEY UPDATE`, what
   * the update takes), then written. Returns the ids updated.
   */
  async projectAll(tx: EntityManager, all: { id: string; p: AssignmentProjection }[]): Promise<Set<string>> {
    if (all.length === 0) return new Set();
    const rows = await returningRows<{ id: string }>(
      tx,
      `WITH d AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS d (id uuid, status text, agent_id uuid,
           assigned_at timestamptz, reassign_at timestamptz, close_at timestamptz, response_window_ms int)),
       locked AS MATERIALIZED (
         SELECT id FROM conversations WHERE id IN (SELECT id FROM d) AND closed_at IS NULL
          ORDER BY id FOR NO KEY UPDATE),
       c AS (
         UPDATE conversations SET status = d.status, agent_id = d.agent_id, assigned_at = d.assigned_at
           FROM d, locked WHERE conversations.id = d.id AND locked.id = d.id RETURNING conversations.id)
       INSERT INTO conversation_routing (conversation_id, reassign_at, close_at, response_window_ms)
       SELECT d.id, d.reassign_at, d.close_at, d.response_window_ms FROM d WHERE d.id IN (SELECT id FROM c)
        ORDER BY d.id
           ON CONFLICT (conversation_id) DO UPDATE SET reassign_at = EXCLUDED.reassign_at,
              close_at = EXCLUDED.close_at, response_window_ms = EXCLUDED.response_window_ms
       RETURNING conversation_id AS id`,
      [
        JSON.stringify(
          all.map(({ id, p }) => ({
            id,
            status: p.status,
            agent_id: p.agentId,
            assigned_at: p.assignedAt,
            reassign_at: p.reassignAt,
            close_at: p.closeAt,
            response_window_ms: p.responseWindowMs,
          })),
        ),
      ],
    );
    return new Set(rows.map((r) => r.id));
  }

  /**
   * Records that the routing events of these versions are applied, one version per conversation, in
   * one statement: returns the ids whose event may be applied (its version is newer than the last
   * applied, or the conversation is unknown here: the handlers decide). An event whose version is not
   * newer is stale (a dead letter replayed late), and then nothing of it may be applied. The
   * conversations are locked first, in id order, as `projectAll` locks them next: a routing row it
   * inserts takes a share lock on its conversation (the foreign key), which out of that order could
   * wait on a request batch waiting for this one.
   */
  async claimRoutingVersions(
    tx: EntityManager,
    claims: { id: string; version: number }[],
  ): Promise<Set<string>> {
    if (claims.length === 0) return new Set();
    const rows = await returningRows<{ id: string }>(
      tx,
      `WITH d AS (SELECT * FROM unnest($1::uuid[], $2::bigint[]) AS d (id, version)),
       locked AS MATERIALIZED (
         SELECT id FROM conversations WHERE id IN (SELECT id FROM d) ORDER BY id FOR NO KEY UPDATE),
       claimed AS (
         INSERT INTO conversation_routing (conversation_id, routing_version)
         SELECT d.id, d.version FROM d WHERE d.id IN (SELECT id FROM locked)
          ORDER BY d.id
             ON CONFLICT (conversation_id) DO UPDATE SET routing_version = EXCLUDED.routing_version
          WHERE conversation_routing.routing_version IS NULL
             OR conversation_routing.routing_version < EXCLUDED.routing_version
         RETURNING conversation_id)
       SELECT d.id FROM d
        WHERE d.id IN (SELECT conversation_id FROM claimed)
           OR NOT EXISTS (SELECT 1 FROM conversations c WHERE c.id = d.id OFFSET 0)`,
      [claims.map((c) => c.id), claims.map((c) => c.version)],
    );
    return new Set(rows.map((r) => r.id));
  }

  /**
   * claimRoutingVersions and projectDeadlines in one statement, for routing's most frequent event
   * about a conversation, for one conversation or a batch's: one change per
   * conversation (the caller keeps the newest), rows locked in id order. Nothing changes where the
   * version is not newer, or where there is no such conversation. It touches neither the
   * conversation's row nor its lock, which the requests to the conversation take. The existence
   * check is a subquery kept apart (OFFSET 0), so it stays one index lookup per change: as a join,
   * the statement's generic plan made while `conversations` is small (a few hundred rows) hashes a
   * scan of the whole table, and a connection keeps that plan as the table grows (EXPLAIN, issue 7).
   */
  async projectDeadlinesOf(tx: EntityManager, changes: DeadlinesChange[]): Promise<void> {
    if (changes.length === 0) return;
    await queryPrepared(
      tx,
      `INSERT INTO conversation_routing (conversation_id, routing_version, reassign_at, close_at, response_window_ms)
       SELECT d.id, d.version, d.reassign_at, d.close_at, d.response_window_ms
         FROM unnest($1::uuid[], $2::bigint[], $3::timestamptz[], $4::timestamptz[], $5::int[])
              AS d (id, version, reassign_at, close_at, response_window_ms)
        WHERE EXISTS (SELECT 1 FROM conversations c WHERE c.id = d.id OFFSET 0)
        ORDER BY d.id
           ON CONFLICT (conversation_id) DO UPDATE SET routing_version = EXCLUDED.routing_version,
              reassign_at = EXCLUDED.reassign_at, close_at = EXCLUDED.close_at,
              response_window_ms = EXCLUDED.response_window_ms
        WHERE conversation_routing.routing_version IS NULL
           OR conversation_routing.routing_version < EXCLUDED.routing_version`,
      [
        changes.map((c) => c.conversationId),
        changes.map((c) => c.version),
        changes.map((c) => c.reassignAt),
        changes.map((c) => c.closeAt),
        changes.map((c) => c.responseWindowMs),
      ],
    );
  }

  /** Deadlines from an event that carries no version (published before versions existed). */
  async projectDeadlines(tx: EntityManager, id: string, reassignAt: Date | null, closeAt: Date | null) {
    await tx.query(
      `INSERT INTO conversation_routing (conversation_id, reassign_at, close_at)
       SELECT id, $2::timestamptz, $3::timestamptz FROM conversations WHERE id = $1 AND closed_at IS NULL
           ON CONFLICT (conversation_id) DO UPDATE SET reassign_at = $2, close_at = $3, response_window_ms = NULL`,
      [id, reassignAt, closeAt],
    );
  }
}
