import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import {
  AuthorType,
  Cause,
  CONVERSATION_EVENTS,
  ConversationEventData,
  ConversationEventType,
  ConversationOps,
  DomainError,
  envelope,
  Message,
  Outbox,
  RequestMeta,
} from '@pupitre/shared';
import { ConversationRow, ConversationsRepository } from './conversations.repository';
import { toConversationView, withTag } from './domain/conversation-view';

type In<K extends keyof ConversationOps> = ConversationOps[K]['in'];
type Out<K extends keyof ConversationOps> = ConversationOps[K]['out'];

const causeOf = (meta: RequestMeta): Cause => ({
  eventId: meta.requestId,
  correlationId: meta.correlationId,
});

/** Visitors, conversations, messages and tags: each change and its event in one transaction. */
@Injectable()
export class ConversationsService {
  constructor(
    private readonly repo: ConversationsRepository,
    private readonly outbox: Outbox,
  ) {}

  async registerVisitor(
    d: In<'visitor.register'>,
    tx: EntityManager,
    meta: RequestMeta,
  ): Promise<Out<'visitor.register'>> {
    await this.repo.insertVisitor(tx, {
      id: d.visitorId,
      channel: d.channel,
      name: d.name,
      platform: d.platform,
      at: meta.now,
    });
    return { visitorId: d.visitorId };
  }

  /** The visitor's open conversation gets the message; with none open a new one starts (R13). */
  async postVisitorMessage(
    d: In<'visitor.post-message'>,
    tx: EntityManager,
    meta: RequestMeta,
  ): Promise<Out<'visitor.post-message'>> {
    const visitor = await this.repo.lockVisitor(tx, d.visitorId);
    if (!visitor) throw new DomainError('UNAUTHENTICATED', 'unknown visitor');
    const earlier = await this.repo.findMessageByClientId(tx, 'visitor', d.visitorId, d.clientMessageId);
    if (earlier)
      return { conversationId: earlier.conversationId, messageId: earlier.id, createdAt: earlier.createdAt };
    if (visitor.blocked_at) throw new DomainError('VISITOR_BLOCKED', 'this visitor has been blocked');

    let conversation = await this.repo.findOpenConversationOf(tx, d.visitorId);
    if (!conversation) {
      const id = randomUUID();
      await this.repo.insertConversation(tx, {
        id,
        visitorId: d.visitorId,
        channel: visitor.channel,
        at: meta.now,
      });
      await this.emit(
        tx,
        'conversation.opened',
        {
          conversationId: id,
          visitorId: d.visitorId,
          channel: visitor.channel,
          openedAt: meta.now.toISOString(),
        },
        meta,
      );
      conversation = (await this.repo.findConversation(tx, id))!;
    }
    const message = await this.post(tx, conversation, { type: 'visitor', id: d.visitorId }, d, meta);
    return { conversationId: conversation.id, messageId: message.id, createdAt: message.createdAt };
  }

  async listVisitorConversations(
    d: In<'visitor.list-conversations'>,
    tx: EntityManager,
  ): Promise<Out<'visitor.list-conversations'>> {
    const rows = await this.repo.listConversationsOfVisitor(tx, d.visitorId);
    return rows.map((c) => ({
      id: c.id,
      channel: c.channel,
      status: c.status,
      createdAt: c.created_at.toISOString(),
      ...(c.closed_at ? { closedAt: c.closed_at.toISOString() } : {}),
      ...(c.close_reason ? { closeReason: c.close_reason } : {}),
    }));
  }

  async listVisitorMessages(
    d: In<'visitor.list-messages'>,
    tx: EntityManager,
  ): Promise<Out<'visitor.list-messages'>> {
    const conversation = await this.repo.findConversation(tx, d.conversationId);
    // Another visitor's conversation does not exist, as far as this visitor can tell.
    if (!conversation || conversation.visitor_id !== d.visitorId)
      throw new DomainError('NOT_FOUND', 'no such conversation');
    let afterSeq: string | null = null;
    if (d.after) {
      afterSeq = await this.repo.findMessageSeq(tx, d.conversationId, d.after);
      if (!afterSeq)
        throw new DomainError('VALIDATION_FAILED', 'after: no such message in this conversation');
    }
    const page = await this.repo.listMessagesAfter(tx, d.conversationId, afterSeq, d.limit);
    const last = page.items[page.items.length - 1];
    return { items: page.items, ...(page.more && last ? { nextCursor: last.id } : {}) };
  }

  async postAgentMessage(
    d: In<'agent.post-message'>,
    tx: EntityManager,
    meta: RequestMeta,
  ): Promise<Out<'agent.post-message'>> {
    const earlier = await this.repo.findMessageByClientId(tx, 'agent', d.agentId, d.clientMessageId);
    if (earlier) return { messageId: earlier.id };
    const conversation = await this.heldBy(tx, d.agentId, d.conversationId);
    const message = await this.post(tx, conversation, { type: 'agent', id: d.agentId }, d, meta);
    return { messageId: message.id };
  }

  /** R12: the agent ends it for good. */
  async closeByAgent(
    d: In<'agent.close'>,
    tx: EntityManager,
    meta: RequestMeta,
  ): Promise<Out<'agent.close'>> {
    const conversation = await this.heldBy(tx, d.agentId, d.conversationId);
    await this.close(tx, conversation, 'agent', meta.now, causeOf(meta));
    return {};
  }

  /** R2 + reading "Blocking": closes the conversation; every later message of the visitor is refused. */
  async blockVisitor(
    d: In<'agent.block-visitor'>,
    tx: EntityManager,
    meta: RequestMeta,
  ): Promise<Out<'agent.block-visitor'>> {
    // Visitor before conversation, the order a visitor's message takes its locks: no deadlock between them.
    const unlocked = await this.repo.findConversation(tx, d.conversationId);
    if (unlocked) await this.repo.lockVisitor(tx, unlocked.visitor_id);
    const conversation = await this.heldBy(tx, d.agentId, d.conversationId);
    await this.repo.blockVisitor(tx, conversation.visitor_id, meta.now);
    await this.close(tx, conversation, 'visitor_blocked', meta.now, causeOf(meta));
    return {};
  }

  async tag(d: In<'agent.tag'>, tx: EntityManager, meta: RequestMeta): Promise<Out<'agent.tag'>> {
    const conversation = await this.heldBy(tx, d.agentId, d.conversationId);
    const tags = withTag(conversation.tags, d.tag, d.action);
    if (tags !== conversation.tags) {
      await this.repo.setTags(tx, conversation.id, tags);
      await this.emit(tx, 'conversation.tags-changed', { conversationId: conversation.id, tags }, meta);
    }
    return { tags };
  }

  async views(d: In<'conversation.views'>, tx: EntityManager): Promise<Out<'conversation.views'>> {
    const found = new Map((await this.repo.findConversations(tx, d.conversationIds)).map((c) => [c.id, c]));
    const rows = d.conversationIds.flatMap((id) => found.get(id) ?? []);
    return this.viewsOf(tx, rows);
  }

  async view(d: In<'conversation.view'>, tx: EntityManager): Promise<Out<'conversation.view'>> {
    const c = await this.repo.findConversation(tx, d.conversationId);
    if (!c) throw new DomainError('NOT_FOUND', 'no such conversation');
    return (await this.viewsOf(tx, [c]))[0];
  }

  async close(
    tx: EntityManager,
    c: ConversationRow,
    reason: 'agent' | 'inactivity' | 'visitor_blocked',
    at: Date,
    cause: Cause,
  ) {
    await this.repo.close(tx, c.id, reason, at);
    const fresh = (await this.repo.findConversation(tx, c.id))!;
    await this.outbox.add(
      tx,
      CONVERSATION_EVENTS,
      c.id,
      envelope(
        'conversation.closed',
        {
          conversationId: c.id,
          visitorId: c.visitor_id,
          channel: c.channel,
          reason,
          closedAt: at.toISOString(),
          lastAgentMessage:
            fresh.last_agent_message_id && fresh.last_agent_id
              ? { messageId: fresh.last_agent_message_id, agentId: fresh.last_agent_id }
              : null,
        },
        at,
        cause,
      ),
    );
  }

  private async viewsOf(tx: EntityManager, rows: ConversationRow[]) {
    const ids = rows.map((r) => r.id);
    const [messages, visitors] = await Promise.all([
      this.repo.latestMessagesOf(tx, ids),
      this.repo.findVisitors(
        tx,
        rows.map((r) => r.visitor_id),
      ),
    ]);
    return rows.map((r) => toConversationView(r, visitors.get(r.visitor_id)!, messages.get(r.id) ?? []));
  }

  /** Stores one message and announces it, in the caller's transaction. */
  private async post(
    tx: EntityManager,
    conversation: ConversationRow,
    author: { type: AuthorType; id: string },
    m: { text: string; clientMessageId: string },
    meta: RequestMeta,
  ): Promise<Message> {
    const message = await this.repo.insertMessage(tx, {
      id: randomUUID(),
      conversationId: conversation.id,
      authorType: author.type,
      authorId: author.id,
      clientMessageId: m.clientMessageId,
      text: m.text,
      createdAt: meta.now,
    });
    const { id: conversationId, visitor_id: visitorId, channel } = conversation;
    await this.emit(tx, 'message.posted', { conversationId, visitorId, channel, message }, meta);
    return message;
  }

  /** The conversation, locked, if this agent holds it: acting on another's is FORBIDDEN. */
  private async heldBy(tx: EntityManager, agentId: string, conversationId: string): Promise<ConversationRow> {
    const c = await this.repo.findConversation(tx, conversationId, true);
    if (!c) throw new DomainError('NOT_FOUND', 'no such conversation');
    if (c.status !== 'assigned' || c.agent_id !== agentId) {
      throw new DomainError('FORBIDDEN', 'this conversation is not assigned to you');
    }
    return c;
  }

  private async emit<T extends ConversationEventType>(
    tx: EntityManager,
    type: T,
    data: ConversationEventData<T>,
    meta: RequestMeta,
  ) {
    const event = envelope(type, data, meta.now, causeOf(meta));
    await this.outbox.add(
      tx,
      CONVERSATION_EVENTS,
      (data as { conversationId: string }).conversationId,
      event as never,
    );
  }
}
