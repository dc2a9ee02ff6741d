import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Channel, CloseReason, ConversationStatus, Statement } from '@pupitre/shared';
import { queryPrepared } from '@pupitre/shared';

/** A conversation's row, with its deadlines from `conversation_routing` (none once it is closed). */
export interface ConversationRow {
  id: string;
  visitor_id: string;
  channel: Channel;
  status: ConversationStatus;
  agent_id: string | null;
  assigned_at: Date | null;
  reassign_at: Date | null;
  close_at: Date | null;
  /** R10's window while it runs: the view moves `reassign_at` with its visitor messages. */
  response_window_ms: number | null;
  tags: string[];
  last_agent_message_id: string | null;
  last_agent_id: string | null;
  created_at: Date;
  closed_at: Date | null;
  close_reason: CloseReason | null;
}

/**
 * ConversationRow's select list and FROM: the row's columns, and routing's deadlines while it is open
 * (a closed conversation has none; its routing row keeps the last ones routing sent).
 */
const CONVERSATION_ROWS = `c.*,
  CASE WHEN c.closed_at IS NULL THEN r.reassign_at END AS reassign_at,
  CASE WHEN c.closed_at IS NULL THEN r.close_at END AS close_at,
  CASE WHEN c.closed_at IS NULL THEN r.response_window_ms END AS response_window_ms
  FROM conversations c LEFT JOIN conversation_routing r ON r.conversation_id = c.id`;

/** The `conversations` table's own columns (routing's deadlines are in `conversation_routing`). */
export type ConversationTableRow = Omit<ConversationRow, 'reassign_at' | 'close_at' | 'response_window_ms'>;

/** What a message needs of its conversation: which one, whose, on which channel. */
export type ConversationRef = Pick<ConversationRow, 'id' | 'visitor_id' | 'channel'>;

/**
 * Reads of the `conversations` table and its creation. Each feature that changes a column has its own
 * write (assignments, tags, closing, messages).
 */
@Injectable()
export class ConversationsRepository {
  /**
   * Locks, in id order, these conversations and the open ones of these visitors: what a batch of
   * requests will lock (`FOR UPDATE`), taken in the order conversation's batches of routing events
   * update them in (their Kafka key, the conversation id), so the two never deadlock. Routing's
   * projection, which writes more than one kind of event in a batch, locks its conversations here too,
   * `FOR NO KEY UPDATE` (what its updates take): each kind's statements lock theirs in id order, but
   * one kind after another would not.
   */
  async lockInIdOrder(
    tx: EntityManager,
    ids: string[],
    openOfVisitors: string[] = [],
    mode: 'FOR UPDATE' | 'FOR NO KEY UPDATE' = 'FOR UPDATE',
  ): Promise<void> {
    await queryPrepared(
      tx,
      `SELECT 1 FROM conversations
        WHERE id = ANY($1::uuid[]) OR (visitor_id = ANY($2::uuid[]) AND closed_at IS NULL)
        ORDER BY id ${mode}`,
      [ids, openOfVisitors],
    );
  }

  /** A new conversation's insert, as a statement for the caller to join its event to (Outbox.addWith). */
  insertion(c: ConversationRef, at: Date): Statement {
    return {
      sql: `INSERT INTO conversations (id, visitor_id, channel, status, created_at) VALUES ($1, $2, $3, 'queued', $4)`,
      params: [c.id, c.visitor_id, c.channel, at],
    };
  }

  async find(tx: EntityManager, id: string, lock = false): Promise<ConversationRow | null> {
    const rows: ConversationRow[] = await tx.query(
      `SELECT ${CONVERSATION_ROWS} WHERE c.id = $1${lock ? ' FOR UPDATE OF c' : ''}`,
      [id],
    );
    return rows[0] ?? null;
  }

  /**
   * `lock`: locked in id order, the order every batch locks conversations in, `FOR NO KEY UPDATE` (what
   * routing's projection takes to write their holder).
   */
  async findMany(tx: EntityManager, ids: string[], lock = false): Promise<ConversationRow[]> {
    return tx.query(
      `SELECT ${CONVERSATION_ROWS} WHERE c.id = ANY($1::uuid[])${lock ? ' ORDER BY c.id FOR NO KEY UPDATE OF c' : ''}`,
      [ids],
    );
  }

  async listOfVisitor(tx: EntityManager, visitorId: string): Promise<ConversationRow[]> {
    return tx.query(`SELECT ${CONVERSATION_ROWS} WHERE c.visitor_id = $1 ORDER BY c.created_at DESC, c.id`, [
      visitorId,
    ]);
  }
}
