import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AuthorType, Message } from '@pupitre/shared';

interface MessageRow {
  seq: string;
  id: string;
  conversation_id: string;
  author_type: AuthorType;
  author_id: string;
  text: string;
  created_at: Date;
}

interface NewMessage {
  id: string;
  conversationId: string;
  authorType: AuthorType;
  authorId: string;
  clientMessageId: string;
  text: string;
  createdAt: Date;
}

const toMessage = (r: MessageRow): Message => ({
  id: r.id,
  conversationId: r.conversation_id,
  author: { type: r.author_type, id: r.author_id },
  text: r.text,
  createdAt: r.created_at.toISOString(),
});

/** The `messages` table, and the conversation's pointer to its last agent message (R14). */
@Injectable()
export class MessagesRepository {
  async findByClientId(tx: EntityManager, authorType: AuthorType, authorId: string, clientMessageId: string) {
    const rows: MessageRow[] = await tx.query(
      'SELECT * FROM messages WHERE author_type = $1 AND author_id = $2 AND client_message_id = $3',
      [authorType, authorId, clientMessageId],
    );
    return rows[0] ? toMessage(rows[0]) : null;
  }

  async insert(tx: EntityManager, m: NewMessage): Promise<Message> {
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

  async findSeq(tx: EntityManager, conversationId: string, messageId: string): Promise<string | null> {
    const rows: { seq: string }[] = await tx.query(
      'SELECT seq FROM messages WHERE id = $1 AND conversation_id = $2',
      [messageId, conversationId],
    );
    return rows[0]?.seq ?? null;
  }

  /** Oldest first after the cursor; one extra row tells whether a next page exists. */
  async listAfter(tx: EntityManager, conversationId: string, afterSeq: string | null, limit: number) {
    const rows: MessageRow[] = await tx.query(
      `SELECT * FROM messages WHERE conversation_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [conversationId, afterSeq ?? '0', limit + 1],
    );
    return { items: rows.slice(0, limit).map(toMessage), more: rows.length > limit };
  }

  /** The `limit` messages before the cursor (or the latest), oldest first; one extra row tells whether older ones exist. */
  async listBefore(tx: EntityManager, conversationId: string, beforeSeq: string | null, limit: number) {
    const rows: MessageRow[] = await tx.query(
      `SELECT * FROM messages WHERE conversation_id = $1 AND ($2::bigint IS NULL OR seq < $2::bigint)
        ORDER BY seq DESC LIMIT $3`,
      [conversationId, beforeSeq, limit + 1],
    );
    return { items: rows.slice(0, limit).reverse().map(toMessage), more: rows.length > limit };
  }

  /** The latest `n` messages of each conversation, oldest first (the desk's view). */
  async latestOf(tx: EntityManager, conversationIds: string[], n = 50): Promise<Map<string, Message[]>> {
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

  async last(tx: EntityManager, conversationId: string): Promise<{ author: AuthorType; at: Date } | null> {
    const rows: { author: AuthorType; at: Date }[] = await tx.query(
      `SELECT author_type AS author, created_at AS at FROM messages WHERE conversation_id = $1
        ORDER BY seq DESC LIMIT 1`,
      [conversationId],
    );
    return rows[0] ?? null;
  }
}
