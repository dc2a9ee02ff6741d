import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { type Channel, isUuid, type RequestMeta } from '@pupitre/shared';
import { causeOf, ConversationEventsOutbox } from './conversation-events.outbox';
import { ConversationRef, ConversationRow, ConversationsRepository } from './conversations.repository';
import { assertHeldBy } from './domain/held-by';

/** Opening a conversation and finding the one an agent may act on. */
@Injectable()
export class ConversationsService {
  constructor(
    private readonly repo: ConversationsRepository,
    private readonly events: ConversationEventsOutbox,
  ) {}

  /**
   * For a batch of requests (RequestProcessor): locks the conversations they name and the open ones of
   * the visitors they name, in id order (see ConversationsRepository.lockInIdOrder).
   */
  async lockForBatch(requests: { data: unknown }[], tx: EntityManager): Promise<void> {
    const { ids, openOfVisitors } = this.batchLockTargets(requests);
    if (ids.length + openOfVisitors.length > 0) await this.repo.lockInIdOrder(tx, ids, openOfVisitors);
  }

  /** What lockForBatch locks: the conversations the requests name, the open ones of the visitors they name. */
  batchLockTargets(requests: { data: unknown }[]): { ids: string[]; openOfVisitors: string[] } {
    const ids = new Set<string>();
    const visitors = new Set<string>();
    for (const { data } of requests) {
      const d = (data ?? {}) as { conversationId?: unknown; visitorId?: unknown };
      if (isUuid(d.conversationId)) ids.add(d.conversationId.toLowerCase());
      if (isUuid(d.visitorId)) visitors.add(d.visitorId.toLowerCase());
    }
    return { ids: [...ids], openOfVisitors: [...visitors] };
  }

  /** A new conversation for the visitor, queued, and its `conversation.opened` event, in one statement. */
  async open(
    tx: EntityManager,
    visitor: { id: string; channel: Channel },
    meta: RequestMeta,
  ): Promise<ConversationRef> {
    const conversation = { id: randomUUID(), visitor_id: visitor.id, channel: visitor.channel };
    await this.events.addWith(
      tx,
      this.repo.insertion(conversation, meta.now),
      'conversation.opened',
      {
        conversationId: conversation.id,
        visitorId: visitor.id,
        channel: visitor.channel,
        openedAt: meta.now.toISOString(),
      },
      meta.now,
      causeOf(meta),
    );
    return conversation;
  }

  /** The conversation, unlocked (to read), if this agent holds it. */
  async readableBy(tx: EntityManager, agentId: string, conversationId: string): Promise<ConversationRow> {
    return assertHeldBy(await this.repo.find(tx, conversationId), agentId);
  }

  /**
   * The conversation, locked, if this agent holds it. `ahead`: the conversation as read with the
   * request's batch, under the batch's lock (BatchReadAhead.takeConversation), if it was; otherwise
   * read and locked here.
   */
  async heldBy(
    tx: EntityManager,
    agentId: string,
    conversationId: string,
    ahead?: ConversationRow | null,
  ): Promise<ConversationRow> {
    const c = ahead === undefined ? await this.repo.find(tx, conversationId, true) : ahead;
    return assertHeldBy(c, agentId);
  }
}
