import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ConversationOps, DomainError } from '@pupitre/shared';
import { ConversationsService } from '../conversations';
import { MessagesRepository } from './messages.repository';

type Op = ConversationOps['agent.list-messages'];

/** The desk's `conversation.history`: the holding agent pages back through older messages. */
@Injectable()
export class ListAgentMessagesService {
  constructor(
    private readonly conversations: ConversationsService,
    private readonly messages: MessagesRepository,
  ) {}

  async list(d: Op['in'], tx: EntityManager): Promise<Op['out']> {
    await this.conversations.readableBy(tx, d.agentId, d.conversationId);
    let beforeSeq: string | null = null;
    if (d.before) {
      beforeSeq = await this.messages.findSeq(tx, d.conversationId, d.before);
      if (!beforeSeq)
        throw new DomainError('VALIDATION_FAILED', 'before: no such message in this conversation');
    }
    const page = await this.messages.listBefore(tx, d.conversationId, beforeSeq, d.limit);
    const oldest = page.items[0];
    return { items: page.items, ...(page.more && oldest ? { nextCursor: oldest.id } : {}) };
  }
}
