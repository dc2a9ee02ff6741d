import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type {
  AuthorType,
  Channel,
  CloseReason,
  ConversationStatus,
  Message,
  Platform,
} from '@pupitre/shared';

export interface VisitorRow {
  id: string;
  channel: Channel;
  name: string | null;
  platform: Platform | null;
  blocked_at: Date | null;
}

export interface ConversationRow {
  id: string;
  visitor_id: string;
  channel: Channel;
  status: ConversationStatus;
  agent_id: string | null;
  assigned_at: Date | null;
  reassign_at: Date | null;
  close_at: Date | null;
  tags: string[];
  last_agent_message_id: string | null;
  last_agent_id: string | null;
  created_at: Date;
  closed_at: Date | null;
  close_reason: CloseReason | null;
}

interface MessageRow {
  seq: string;
  id: string;
  conversation_id: string;
  author_type: AuthorType;
  author_id: string;
  text: string;
  created_at: Date;
}

export interface NewMessage {
  id: string;
  conversationId: string;
  authorType: AuthorType;
  authorId: string;
  clientMessageId: string;
  text: string;
  createdAt: Date;
}

export interface AssignmentProjection {
  status: ConversationStatus;
  agentId: string | null;
  assignedAt: Date | null;
  reassignAt: Date | null;
  closeAt: Date | null;
}

export const toMessage = (r: MessageRow): Message => ({
  id: r.id,
  conversationId: r.conversation_id,
  author: { type: r.author_type, id: r.author_id },
  text: r.text,
  createdAt: r.created_at.toISOString(),
});

/** Every query of the conversation schema, one method per intent. */
@Injectable()
export class ConversationsRepository {
  async insertVisitor(
    tx: EntityManager,
    v: { id: string; channel: Channel; name: string | null; platform: Platform | null; at: Date },
  ) {
    await tx.query(
      `INSERT INTO visitors (id, channel, name, platform, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING`,
      [v.id, v.channel, v.name, v.platform, v.at],
    );
  }

  /** Locks the visitor: their messages are handled one at a time (one open conversation, R13). */
  async lockVisitor(tx: EntityManager, id: string): Promise<VisitorRow | null> {
    const rows: VisitorRow[] = await tx.query('SELECT * FROM visitors WHERE id = $1 FOR UPDATE', [id]);
    return rows[0] ?? null;
  }

  async findVisitor(tx: EntityManager, id: string): Promise<VisitorRow | null> {
    const rows: VisitorRow[] = await tx.query('SELECT * FROM visitors WHERE id = $1', [id]);
    return rows[0] ?? null;
  }

  async blockVisitor(tx: EntityManager, id: string, at: Date): Promise<void> {
    await tx.query('UPDATE visitors SET blocked_at = COALESCE(blocked_at, $2) WHERE id = $1', [id, at]);
  }

  async findMessageByClientId(
    tx: EntityManager,
    authorType: AuthorType,
    authorId: string,
    clientMessageId: string,
  ) {
    const rows: MessageRow[] = await tx.query(
      'SELECT * FROM messages WHERE author_type = $1 AND author_id = $2 AND client_message_id = $3',
      [authorType, authorId, clientMessageId],
    );
    return rows[0] ? toMessage(rows[0]) : null;
  }

  async findOpenConversationOf(tx: EntityManager, visitorId: string): Promise<ConversationRow | null> {
    const rows: ConversationRow[] = await tx.query(
      'SELECT * FROM conversations WHERE visitor_id = $1 AND closed_at IS NULL FOR UPDATE',
      [visitorId],
    );
    return rows[0] ?? null;
  }

  async insertConversation(
    tx: EntityManager,
    c: { id: string; visitorId: string; channel: Channel; at: Date },
  ) {
    await tx.query(
      `INSERT INTO conversations (id, visitor_id, channel, status, created_at) VALUES ($1, $2, $3, 'queued', $4)`,
      [c.id, c.visitorId, c.channel, c.at],
    );
  }

  async insertMessage(tx: EntityManager, m: NewMessage): Promise<Message> {
    const rows: MessageRow[] = await tx.query(
      `INSERT INTO messages (id, conversation_id, author_type, author_id, client_message_id, text, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [m.id, m.conversationId, m.authorType, m.authorId, m.clientMessageId, m.text, m.createdAt],
    );
    if (m.authorType === 'agent') {
      await tx.query(
        'UPDATE conversations SET last_agent_message_id = $2, last_agent_id = $3 WHERE id = $1',
        [m.conversationId, m.id, m.authorId],
      );
    }
    return toMessage(rows[0]);
  }

  async findConversation(tx: EntityManager, id: string, lock = false): Promise<ConversationRow | null> {
    const rows: ConversationRow[] = await tx.query(
      `SELECT * FROM conversations WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return rows[0] ?? null;
  }

  async listConversationsOfVisitor(tx: EntityManager, visitorId: string): Promise<ConversationRow[]> {
    return tx.query('SELECT * FROM conversations WHERE visitor_id = $1 ORDER BY created_at DESC, id', [
      visitorId,
    ]);
  }

  async findMessageSeq(tx: EntityManager, conversationId: string, messageId: string): Promise<string | null> {
    const rows: { seq: string }[] = await tx.query(
      'SELECT seq FROM messages WHERE id = $1 AND conversation_id = $2',
      [messageId, conversationId],
    );
    return rows[0]?.seq ?? null;
  }

  /** Oldest first after the cursor; one extra row tells whether a next page exists. */
  async listMessagesAfter(tx: EntityManager, conversationId: string, afterSeq: string | null, limit: number) {
    const rows: MessageRow[] = await tx.query(
      `SELECT * FROM messages WHERE conversation_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [conversationId, afterSeq ?? '0', limit + 1],
    );
    return { items: rows.slice(0, limit).map(toMessage), more: rows.length > limit };
  }

  /** The latest `n` messages of each conversation, oldest first (the desk's view). */
  async latestMessagesOf(
    tx: EntityManager,
    conversationIds: string[],
    n = 50,
  ): Promise<Map<string, Message[]>> {
    const byConversation = new Map<string, Message[]>(conversationIds.map((id) => [id, []]));
    if (conversationIds.length === 0) return byConversation;
    const rows: MessageRow[] = await tx.query(
      `SELECT m.* FROM unnest($1::uuid[]) AS c(id)
         CROSS JOIN LATERAL (
           SELECT * FROM messages WHERE conversation_id = c.id ORDER BY seq DESC LIMIT $2
         ) m
       ORDER BY m.seq`,
      [conversationIds, n],
    );
    for (const r of rows) byConversation.get(r.conversation_id)?.push(toMessage(r));
    return byConversation;
  }

  async findConversations(tx: EntityManager, ids: string[]): Promise<ConversationRow[]> {
    return tx.query('SELECT * FROM conversations WHERE id = ANY($1::uuid[])', [ids]);
  }

  async findVisitors(tx: EntityManager, ids: string[]): Promise<Map<string, VisitorRow>> {
    const rows: VisitorRow[] = await tx.query('SELECT * FROM visitors WHERE id = ANY($1::uuid[])', [ids]);
    return new Map(rows.map((r) => [r.id, r]));
  }

  /** Routing's decision, projected; a closed conversation stays closed. */
  async projectAssignment(tx: EntityManager, id: string, p: AssignmentProjection): Promise<void> {
    await tx.query(
      `UPDATE conversations SET status = $2, agent_id = $3, assigned_at = $4, reassign_at = $5, close_at = $6
        WHERE id = $1 AND closed_at IS NULL`,
      [id, p.status, p.agentId, p.assignedAt, p.reassignAt, p.closeAt],
    );
  }

  async projectDeadlines(tx: EntityManager, id: string, reassignAt: Date | null, closeAt: Date | null) {
    await tx.query(
      'UPDATE conversations SET reassign_at = $2, close_at = $3 WHERE id = $1 AND closed_at IS NULL',
      [id, reassignAt, closeAt],
    );
  }

  async close(tx: EntityManager, id: string, reason: CloseReason, at: Date): Promise<void> {
    await tx.query(
      `UPDATE conversations SET status = 'closed', closed_at = $3, close_reason = $2, reassign_at = NULL, close_at = NULL
        WHERE id = $1`,
      [id, reason, at],
    );
  }

  async setTags(tx: EntityManager, id: string, tags: string[]): Promise<void> {
    await tx.query('UPDATE conversations SET tags = $2 WHERE id = $1', [id, tags]);
  }

  async lastMessage(
    tx: EntityManager,
    conversationId: string,
  ): Promise<{ author: AuthorType; at: Date } | null> {
    const rows: { author: AuthorType; at: Date }[] = await tx.query(
      `SELECT author_type AS author, created_at AS at FROM messages WHERE conversation_id = $1
        ORDER BY seq DESC LIMIT 1`,
      [conversationId],
    );
    return rows[0] ?? null;
  }
}
