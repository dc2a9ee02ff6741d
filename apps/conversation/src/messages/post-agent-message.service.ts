import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ConversationOps, RequestMeta } from '@pupitre/shared';
import { assertHeldBy } from '../conversations';
import { MessagePoster } from './message-poster';
import { MessagesRepository } from './messages.repository';

type Op = ConversationOps['agent.post-message'];

/**
 * An agent answers in a conversation they hold; a retried clientMessageId returns the first message.
 * It refuses only on its first statement, a read (see the handler's `readsBeforeWrites`).
 */
@Injectable()
export class PostAgentMessageService {
  constructor(
    private readonly messages: MessagesRepository,
    private readonly poster: MessagePoster,
  ) {}

  async post(d: Op['in'], tx: EntityManager, meta: RequestMeta): Promise<Op['out']> {
    const read = await this.messages.lockForAgentPost(tx, d.agentId, d.clientMessageId, d.conversationId);
    if (read.earlierId) return { messageId: read.earlierId };
    const conversation = assertHeldBy(read.conversation, d.agentId);
    const message = await this.poster.post(tx, conversation, { type: 'agent', id: d.agentId }, d, meta);
    return { messageId: message.id };
  }
}
