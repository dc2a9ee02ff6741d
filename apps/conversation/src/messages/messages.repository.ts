import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AuthorType, Channel, Message, Platform, Statement } from '@pupitre/shared';
import { queryPrepared } from '@pupitre/shared';
import type { ConversationRef, ConversationTableRow } from '../conversations';
import { presenceSeenAt, type PushRead } from '../push';

interface MessageRow {
  seq: string;
  id: string;
  conversation_id: string;
  author_type: AuthorType;
  author_id: string;
  text: string;
  created_at: Date;
}

/** A row of MessagesRepository.lockForVisitorPosts: the visitor, then the `earlier_` message and the `open_` conversation. */
interface VisitorPostRow {
  id: string;
  channel: Channel;
  blocked_at: Date | null;
  earlier_id: string | null;
  earlier_conversation_id: string | null;
  earlier_created_at: Date | null;
  open_id: string | null;
  open_channel: Channel | null;
}

/** A row of MessagesRepository.readForAgentPosts: the `earlier_` message, the push target, the conversation. */
type AgentPostRow = ConversationTableRow & {
  earlier_id: string | null;
  push_token: string | null;
  push_platform: Platform | null;
  presence_seen_at: Date | null;
  canned_text: string | null;
};

/** What an agent's message needs to know, read ahead with its batch (MessagesRepository.readForAgentPosts). */
export interface AgentPostRead {
  earlierId: string | null;
  conversation: ConversationTableRow | null;
  /** Whom to push the answer to, and the latest heartbeat of a gateway instance holding their socket. */
  push: PushRead;
  /** A canned send's text: null when it sends none, or when there is no such canned response. */
  cannedText: string | null;
}

/** What a visitor's message needs to know, read in one statement (MessagesRepository.lockForVisitorPosts). */
export interface VisitorPost {
  visitor: { id: string; channel: Channel; blocked_at: Date | null };
  earlier: Pick<Message, 'id' | 'conversationId' | 'createdAt'> | null;
  open: ConversationRef | null;
}

const toMessage = (r: MessageRow): Message => ({
  id: r.id,
  conversationId: r.conversation_id,
  author: { type: r.author_type, id: r.author_id },
  text: r.text,
  createdAt: r.created_at.toISOString(),
});

const toVisitorPost = (r: VisitorPostRow): VisitorPost => ({
  visitor: { id: r.id, channel: r.channel, blocked_at: r.blocked_at },
  earlier: r.earlier_id
    ? {
        id: r.earlier_id,
        conversationId: r.earlier_conversation_id!,
        createdAt: r.earlier_created_at!.toISOString(),
      }
    : null,
  open: r.open_id ? { id: r.open_id, visitor_id: r.id, channel: r.open_channel! } : null,
});

/** The `messages` table, and the conversation's pointer to its last agent message (R14). */
@Injectable()
export class MessagesRepository {
  /**
   * A visitor's message's reads when it reads for itself (applied alone, or not read ahead in its
   * batch): lockForVisitorPosts for one message, in the same lock order (their open conversation,
   * then the visitor). A statement of its own, not lockForVisitorPosts with one post: with the one
   * statement for both, bench/overload's retries took 37–62 s to drain instead of 30 s, in every one
   * of seven runs (session 14); with its own, 30 s again. Likely PostgreSQL's one cached plan per
   * prepared statement, made for the one-post runs or the batches but not both.
   */
  async lockVisitorPost(
    tx: EntityManager,
    visitorId: string,
    clientMessageId: string,
  ): Promise<VisitorPost | null> {
    const rows: VisitorPostRow[] = await queryPrepared(
      tx,
      `WITH open AS MATERIALIZED (
              SELECT id FROM conversations WHERE visitor_id = $1 AND closed_at IS NULL FOR UPDATE),
            visitor AS MATERIALIZED (
              SELECT id, channel, blocked_at FROM visitors
               WHERE id = $1 AND (SELECT count(*) FROM open) >= 0 FOR UPDATE)
       SELECT v.id, v.channel, v.blocked_at, m.id AS earlier_id, m.conversation_id AS earlier_conversation_id,
              m.created_at AS earlier_created_at, c.id AS open_id, c.channel AS open_channel
         FROM visitor v
         LEFT JOIN LATERAL (
           SELECT id, conversation_id, created_at FROM messages
            WHERE author_type = 'visitor' AND author_id = $1 AND client_message_id = $2) m ON true
         LEFT JOIN LATERAL (
           SELECT id, channel FROM conversations
            WHERE visitor_id = $1 AND closed_at IS NULL AND m.id IS NULL AND v.blocked_at IS NULL
              FOR UPDATE) c ON true`,
      [visitorId, clientMessageId],
    );
    return rows[0] ? toVisitorPost(rows[0]) : null;
  }

  /**
   * A batch's locks and its visitors' message reads, in one statement (BatchReadAhead): first
   * the conversations the batch names and the open ones of the visitors it names, in id order (as
   * ConversationsRepository.lockInIdOrder); then these posts' visitors, in id order (a visitor's
   * messages are handled one at a time: one open conversation, R13); then, for each post, the
   * visitor, their message with this clientMessageId if any (a retry), and, unless there is one or
   * the visitor is blocked, their open conversation. Rows in `posts`' order; null for a visitor that
   * does not exist. Conversations before visitors, everywhere (a block takes them in that order too).
   *
   * The open conversation is read `FOR UPDATE` although it is locked already: under READ COMMITTED
   * that re-reads its latest version, so a close committed while this statement waited for the lock
   * is seen (the statement's snapshot predates it). A message or a conversation that a concurrent post
   * by the same visitor (only while two consumers overlap on a partition) committed meanwhile is not
   * seen: the unique indexes (one message per clientMessageId, one open conversation per visitor) then
   * fail the write, whose retry sees it.
   *
   * The lookups take each post's visitor id from `posts`, not the joined `v.id`: joined, the planner
   * may match the message on (author_type, client_message_id) and filter author_id afterwards, a scan
   * of every visitor's messages that grew with the table (bench/flow: 134 buffers a post, then more).
   * And the message lookup has `LIMIT 1` (the unique index allows one anyway), so that it cannot be
   * pulled up into a join: without it, with statistics taken while the table was small (the bench
   * runs without autovacuum) and the prepared statement's generic plan, the planner hash-joined the
   * posts with a scan of every visitor message, 5,500 rows a batch on average over a 30-s step at
   * 1,000/s (auto_explain; issue 7's note, session 17). With it, one probe of `messages_idempotency`
   * per post, whatever the table holds.
   */
  async lockForVisitorPosts(
    tx: EntityManager,
    conversationIds: string[],
    openOfVisitors: string[],
    posts: { visitorId: string; clientMessageId: string }[],
  ): Promise<(VisitorPost | null)[]> {
    const rows: VisitorPostRow[] = await queryPrepared(
      tx,
      `WITH locked AS MATERIALIZED (
              SELECT id FROM conversations
               WHERE id = ANY($1::uuid[]) OR (visitor_id = ANY($2::uuid[]) AND closed_at IS NULL)
               ORDER BY id FOR UPDATE),
            visitor AS MATERIALIZED (
              SELECT id, channel, blocked_at FROM visitors
               WHERE id = ANY($3::uuid[]) AND (SELECT count(*) FROM locked) >= 0
               ORDER BY id FOR UPDATE)
       SELECT v.id, v.channel, v.blocked_at, m.id AS earlier_id, m.conversation_id AS earlier_conversation_id,
              m.created_at AS earlier_created_at, c.id AS open_id, c.channel AS open_channel
         FROM unnest($3::uuid[], $4::text[]) WITH ORDINALITY AS p (visitor_id, client_message_id, n)
         LEFT JOIN visitor v ON v.id = p.visitor_id
         LEFT JOIN LATERAL (
           SELECT id, conversation_id, created_at FROM messages
            WHERE author_type = 'visitor' AND author_id = p.visitor_id
              AND client_message_id = p.client_message_id
            LIMIT 1) m ON true
         LEFT JOIN LATERAL (
           SELECT id, channel FROM conversations
            WHERE visitor_id = p.visitor_id AND closed_at IS NULL AND m.id IS NULL AND v.blocked_at IS NULL
              FOR UPDATE) c ON true
        ORDER BY p.n`,
      [conversationIds, openOfVisitors, posts.map((p) => p.visitorId), posts.map((p) => p.clientMessageId)],
    );
    return rows.map((r) => (r.id ? toVisitorPost(r) : null));
  }

  /**
   * An agent's message reads, in one statement: their message with this clientMessageId if any (a
   * retry), else the conversation, locked (null when there is none).
   */
  async lockForAgentPost(
    tx: EntityManager,
    agentId: string,
    clientMessageId: string,
    conversationId: string,
  ): Promise<{ earlierId: string | null; conversation: ConversationTableRow | null }> {
    const rows: (ConversationTableRow & { earlier_id: string | null })[] = await queryPrepared(
      tx,
      `SELECT m.id AS earlier_id, c.*
         FROM (VALUES (1)) AS one (x)
         LEFT JOIN LATERAL (
           SELECT id FROM messages
            WHERE author_type = 'agent' AND author_id = $1 AND client_message_id = $2) m ON true
         LEFT JOIN LATERAL (
           SELECT * FROM conversations WHERE id = $3 AND m.id IS NULL FOR UPDATE) c ON true`,
      [agentId, clientMessageId, conversationId],
    );
    const { earlier_id: earlierId, ...conversation } = rows[0];
    return { earlierId, conversation: conversation.id ? conversation : null };
  }

  /**
   * The reads of a batch's agents' messages (BatchReadAhead), in one statement made after the
   * batch's lock statement, which locked their conversations already (the batch names them): for each
   * post, in `posts`' order, the agent's message with this clientMessageId if any (a retry), else the
   * conversation, `FOR UPDATE` to read its latest version (as lockForVisitorPosts does), with what
   * the push of the answer needs (PushRepository.read): the visitor's push token and the latest
   * heartbeat among the gateway instances that hold a socket of theirs (compared with the clock by
   * the caller, who knows the batch's time); and for a canned send, the canned response's text.
   */
  async readForAgentPosts(
    tx: EntityManager,
    posts: { agentId: string; clientMessageId: string; conversationId: string; cannedResponseId?: string }[],
  ): Promise<AgentPostRead[]> {
    const rows: AgentPostRow[] = await queryPrepared(
      tx,
      `SELECT m.id AS earlier_id, v.push_token, v.push_platform,
              ${presenceSeenAt('c.visitor_id')} AS presence_seen_at, cr.text AS canned_text, c.*
         FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[])
              WITH ORDINALITY AS p (agent_id, client_message_id, conversation_id, canned_id, n)
         LEFT JOIN LATERAL (
           SELECT id FROM messages
            WHERE author_type = 'agent' AND author_id = p.agent_id AND client_message_id = p.client_message_id
            LIMIT 1) m ON true
         LEFT JOIN LATERAL (
           SELECT * FROM conversations WHERE id = p.conversation_id AND m.id IS NULL FOR UPDATE) c ON true
         LEFT JOIN visitors v ON v.id = c.visitor_id
         LEFT JOIN canned_responses cr ON cr.id = p.canned_id
        ORDER BY p.n`,
      [
        posts.map((p) => p.agentId),
        posts.map((p) => p.clientMessageId),
        posts.map((p) => p.conversationId),
        posts.map((p) => p.cannedResponseId ?? null),
      ],
    );
    return rows.map(
      ({ earlier_id, push_token, push_platform, presence_seen_at, canned_text, ...conversation }) => ({
        earlierId: earlier_id,
        conversation: conversation.id ? conversation : null,
        push: { pushToken: push_token, platform: push_platform, presenceSeenAt: presence_seen_at },
        cannedText: canned_text,
      }),
    );
  }

  /**
   * The message's insert, and for an agent's the conversation's pointer to its last agent message
   * (R14), as one statement for the caller to join its event to (ConversationEventsOutbox.addWith).
   */
  insertion(message: Message, clientMessageId: string): Statement {
    const { id, conversationId, author, text, createdAt } = message;
    const insert = `INSERT INTO messages (id, conversation_id, author_type, author_id, client_message_id, text, created_at)
                    VALUES ($1, $2, $3, $4, $5, $6, $7)`;
    const params = [id, conversationId, author.type, author.id, clientMessageId, text, createdAt];
    if (author.type !== 'agent') return { sql: insert, params };
    return {
      sql: `WITH pointer AS (
              UPDATE conversations SET last_agent_message_id = $1, last_agent_id = $4 WHERE id = $2)
            ${insert}`,
      params,
    };
  }

  /**
   * Visitors' messages' insert, many in one statement, their `seq` in the order given (rows are
   * numbered as the ordered select yields them, as the outbox's ids are), for the caller to join their
   * events to (ConversationEventsOutbox.addAllWith). A visitor's message moves no pointer.
   */
  visitorInsertion(messages: { message: Message; clientMessageId: string }[]): Statement {
    const column = <T>(of: (m: { message: Message; clientMessageId: string }) => T) => messages.map(of);
    return {
      sql: `INSERT INTO messages (id, conversation_id, author_type, author_id, client_message_id, text, created_at)
            SELECT m.id, m.conversation_id, 'visitor', m.author_id, m.client_message_id, m.text, m.created_at
              FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::timestamptz[])
                   WITH ORDINALITY AS m (id, conversation_id, author_id, client_message_id, text, created_at, n)
             ORDER BY m.n`,
      params: [
        column((m) => m.message.id),
        column((m) => m.message.conversationId),
        column((m) => m.message.author.id),
        column((m) => m.clientMessageId),
        column((m) => m.message.text),
        column((m) => m.message.createdAt),
      ],
    };
  }

  /**
   * visitorInsertion for a batch that holds agents' messages too: the messages in the order given, and
   * each conversation's pointer to its last agent message (R14) moved to the batch's last one there.
   */
  batchInsertion(messages: { message: Message; clientMessageId: string }[]): Statement {
    const column = <T>(of: (m: { message: Message; clientMessageId: string }) => T) => messages.map(of);
    const rows = `unnest($1::uuid[], $2::uuid[], $3::text[], $4::uuid[], $5::text[], $6::text[], $7::timestamptz[])
                  WITH ORDINALITY AS m (id, conversation_id, author_type, author_id, client_message_id, text, created_at, n)`;
    return {
      sql: `WITH pointer AS (
              UPDATE conversations c SET last_agent_message_id = a.id, last_agent_id = a.author_id
                FROM (SELECT DISTINCT ON (m.conversation_id) m.id, m.conversation_id, m.author_id
                        FROM ${rows}
                       WHERE m.author_type = 'agent'
                       ORDER BY m.conversation_id, m.n DESC) a
               WHERE c.id = a.conversation_id)
            INSERT INTO messages (id, conversation_id, author_type, author_id, client_message_id, text, created_at)
            SELECT m.id, m.conversation_id, m.author_type, m.author_id, m.client_message_id, m.text, m.created_at
              FROM ${rows}
             ORDER BY m.n`,
      params: [
        column((m) => m.message.id),
        column((m) => m.message.conversationId),
        column((m) => m.message.author.type),
        column((m) => m.message.author.id),
        column((m) => m.clientMessageId),
        column((m) => m.message.text),
        column((m) => m.message.createdAt),
      ],
    };
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
