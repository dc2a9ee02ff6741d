import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ConversationOps, DomainError } from '@pupitre/shared';
import { ConversationsRepository } from '../conversations';
import { MessagesRepository } from './messages.repository';

type Op = ConversationOps['visitor.list-messages'];

/** A visitor pages through one of their conversations, oldest first. */
@Injectable()
export class ListVisitorMessagesService {
  constructor(
    private readonly conversations: ConversationsRepository,
    private readonly messages: MessagesRepository,
  ) {}

  async list(d: Op['in'], tx: EntityManager): Promise<Op['out']> {
    const conversation = await this.conversations.find(tx, d.conversationId);
    // Another visitor's conversation does not exist, as far as this visitor can tell.
    if (!conversation || conversation.visitor_id !== d.visitorId)
      throw new DomainError('NOT_FOUND', 'no such conversation');
    let afterSeq: string | null = null;
    if (d.after) {
      afterSeq = await this.messages.findSeq(tx, d.conversationId, d.after);
      if (!afterSeq)
        throw new DomainError('VALIDATION_FAILED', 'after: no such message in this conversation');
    }
    const page = await this.messages.listAfter(tx, d.conversationId, afterSeq, d.limit);
    const last = page.items[page.items.length - 1];
    return { items: page.items, ...(page.more && last ? { nextCursor: last.id } : {}) };
  }
}
