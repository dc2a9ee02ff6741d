import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ConversationOps, RequestMeta } from '@pupitre/shared';
import { ConversationsService } from '../conversations';
import { MessagePoster } from './message-poster';
import { MessagesRepository } from './messages.repository';

type Op = ConversationOps['agent.post-message'];

/** An agent answers in a conversation they hold; a retried clientMessageId returns the first message. */
@Injectable()
export class PostAgentMessageService {
  constructor(
    private readonly messages: MessagesRepository,
    private readonly conversations: ConversationsService,
    private readonly poster: MessagePoster,
  ) {}

  async post(d: Op['in'], tx: EntityManager, meta: RequestMeta): Promise<Op['out']> {
    const earlier = await this.messages.findByClientId(tx, 'agent', d.agentId, d.clientMessageId);
    if (earlier) return { messageId: earlier.id };
    const conversation = await this.conversations.heldBy(tx, d.agentId, d.conversationId);
    const message = await this.poster.post(tx, conversation, { type: 'agent', id: d.agentId }, d, meta);
    return { messageId: message.id };
  }
}
