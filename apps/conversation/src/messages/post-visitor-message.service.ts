import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ConversationOps, DomainError, RequestMeta } from '@pupitre/shared';
import { ConversationsService } from '../conversations';
import { refuseIfBlocked, VisitorsRepository } from '../visitors';
import { MessagePoster } from './message-poster';
import { MessagesRepository } from './messages.repository';

type Op = ConversationOps['visitor.post-message'];

/** A visitor writes: their open conversation gets the message; with none open a new one starts (R13). */
@Injectable()
export class PostVisitorMessageService {
  constructor(
    private readonly visitors: VisitorsRepository,
    private readonly messages: MessagesRepository,
    private readonly conversations: ConversationsService,
    private readonly poster: MessagePoster,
  ) {}

  async post(d: Op['in'], tx: EntityManager, meta: RequestMeta): Promise<Op['out']> {
    const visitor = await this.visitors.lock(tx, d.visitorId);
    if (!visitor) throw new DomainError('UNAUTHENTICATED', 'unknown visitor');
    const earlier = await this.messages.findByClientId(tx, 'visitor', d.visitorId, d.clientMessageId);
    if (earlier)
      return { conversationId: earlier.conversationId, messageId: earlier.id, createdAt: earlier.createdAt };
    refuseIfBlocked(visitor);
    const conversation = await this.conversations.openOf(tx, visitor, meta);
    const message = await this.poster.post(tx, conversation, { type: 'visitor', id: d.visitorId }, d, meta);
    return { conversationId: conversation.id, messageId: message.id, createdAt: message.createdAt };
  }
}
