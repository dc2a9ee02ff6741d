import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Channel, returningRows } from '@pupitre/shared';
import type { RoutingStatus } from '../timeouts/domain/deadlines';

export interface RoutedRow {
  conversation_id: string;
  channel: Channel;
  status: RoutingStatus;
  agent_id: string | null;
  queued_at: Date | null;
  assigned_at: Date | null;
  exclude_agent_id: string | null;
  exclude_until: Date | null;
  has_agent_message: boolean;
  last_author: 'visitor' | 'agent' | null;
  last_visitor_message_at: Date | null;
  last_agent_message_at: Date | null;
  reassign_at: Date | null;
  reassign_reason: 'first_response_timeout' | 'response_timeout' | null;
  close_at: Date | null;
}

export interface TakenAway {
  conversation_id: string;
  channel: Channel;
  agent_id: string;
  reason: 'first_response_timeout' | 'response_timeout';
}

/** Routing's view of each conversation: status, holder, timeline and due dates. */
@Injectable()
export class RoutedConversationsRepository {
  async insertQueued(tx: EntityManager, id: string, channel: Channel, at: Date): Promise<boolean> {
    const rows: unknown[] = await tx.query(
      `INSERT INTO routed_conversations (conversation_id, channel, status, queued_at) VALUES ($1, $2, 'queued', $3)
       ON CONFLICT (conversation_id) DO NOTHING RETURNING 1`,
      [id, channel, at],
    );
    return rows.length === 1;
  }

  async find(tx: EntityManager, id: string, lock = false): Promise<RoutedRow | null> {
    const rows: RoutedRow[] = await tx.query(
      `SELECT * FROM routed_conversations WHERE conversation_id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return rows[0] ?? null;
  }

  /** Writes the whole mutable state of one conversation (the service decided it). */
  async save(tx: EntityManager, r: RoutedRow): Promise<void> {
    await tx.query(
      `UPDATE routed_conversations SET status = $2, agent_id = $3, queued_at = $4, assigned_at = $5, exclude_agent_id = $6,
              has_agent_message = $7, last_author = $8, last_visitor_message_at = $9, last_agent_message_at = $10,
              reassign_at = $11, reassign_reason = $12, close_at = $13, exclude_until = $14
        WHERE conversation_id = $1`,
      [
        r.conversation_id,
        r.status,
        r.agent_id,
        r.queued_at,
        r.assigned_at,
        r.exclude_agent_id,
        r.has_agent_message,
        r.last_author,
        r.last_visitor_message_at,
        r.last_agent_message_at,
        r.reassign_at,
        r.reassign_reason,
        r.close_at,
        r.exclude_until,
      ],
    );
  }

  /** What an agent holds now, oldest assignment first (index routed_slots). */
  async findHeldBy(tx: EntityManager, agentId: string): Promise<RoutedRow[]> {
    return tx.query(
      `SELECT * FROM routed_conversations WHERE agent_id = $1 AND status = 'assigned'
        ORDER BY assigned_at, conversation_id`,
      [agentId],
    );
  }

  /** The head of one channel's queue, oldest first (index routed_queue). */
  async findQueued(tx: EntityManager, channel: Channel, limit: number): Promise<RoutedRow[]> {
    return tx.query(
      `SELECT * FROM routed_conversations WHERE status = 'queued' AND channel = $1
        ORDER BY queued_at, conversation_id LIMIT $2`,
      [channel, limit],
    );
  }

  /** Assigns only what is still queued: a conversation is never held by two agents. */
  async assign(tx: EntityManager, id: string, agentId: string, at: Date): Promise<RoutedRow | null> {
    const rows = await returningRows<RoutedRow>(
      tx,
      `UPDATE routed_conversations SET status = 'assigned', agent_id = $2, assigned_at = $3, queued_at = NULL,
              exclude_agent_id = NULL, exclude_until = NULL
        WHERE conversation_id = $1 AND status = 'queued' RETURNING *`,
      [id, agentId, at],
    );
    return rows[0] ?? null;
  }

  /**
   * R9/R10 sweep: takes due conversations away and queues them, remembering whom they left so they
   * go elsewhere first. Conditional and SKIP LOCKED: two sweepers never act on the same row.
   */
  async takeAwayDue(
    tx: EntityManager,
    channel: Channel,
    now: Date,
    limit: number,
    excludeUntil: Date,
  ): Promise<TakenAway[]> {
    return returningRows<TakenAway>(
      tx,
      `WITH due AS (
         SELECT conversation_id, agent_id, reassign_reason FROM routed_conversations
          WHERE reassign_at <= $2 AND status = 'assigned' AND channel = $1
          ORDER BY reassign_at LIMIT $3 FOR UPDATE SKIP LOCKED)
       UPDATE routed_conversations r
          SET status = 'queued', agent_id = NULL, assigned_at = NULL, queued_at = $2, exclude_agent_id = due.agent_id,
              exclude_until = $4,
              reassign_at = NULL, reassign_reason = NULL
         FROM due WHERE r.conversation_id = due.conversation_id
       RETURNING r.conversation_id, r.channel, due.agent_id, due.reassign_reason AS reason`,
      [channel, now, limit, excludeUntil],
    );
  }

  /** R11 sweep: claims due closes once (close_at cleared), for conversation to carry out. */
  async claimDueCloses(
    tx: EntityManager,
    now: Date,
    limit: number,
  ): Promise<{ conversation_id: string; close_at: Date; last_agent_message_at: Date }[]> {
    // close_at is set only from an agent message (R11), so last_agent_message_at is never null here.
    return returningRows(
      tx,
      `WITH due AS (
         SELECT conversation_id, close_at FROM routed_conversations
          WHERE close_at <= $1 AND status <> 'closed'
          ORDER BY close_at LIMIT $2 FOR UPDATE SKIP LOCKED)
       UPDATE routed_conversations r SET close_at = NULL
         FROM due WHERE r.conversation_id = due.conversation_id
       RETURNING r.conversation_id, due.close_at, r.last_agent_message_at`,
      [now, limit],
    );
  }
}
