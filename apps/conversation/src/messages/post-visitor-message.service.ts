import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ConversationOps, DomainError, RequestMeta } from '@pupitre/shared';
import { ConversationsService } from '../conversations';
import { refuseIfBlocked } from '../visitors';
import { MessagePoster } from './message-poster';
import { MessagesRepository } from './messages.repository';
import { BatchReadAhead } from './batch-read-ahead';

type Op = ConversationOps['visitor.post-message'];

/**
 * A visitor writes: their open conversation gets the message; with none open a new one starts (R13).
 * It refuses only on its first statement, a read (see the handler's `readsBeforeWrites`).
 */
@Injectable()
export class PostVisitorMessageService {
  constructor(
    private readonly messages: MessagesRepository,
    private readonly conversations: ConversationsService,
    private readonly poster: MessagePoster,
    private readonly readAhead: BatchReadAhead,
  ) {}

  async post(d: Op['in'], tx: EntityManager, meta: RequestMeta): Promise<Op['out']> {
    // In a batch, usually read with the batch's locks (BatchReadAhead) and written with the
    // batch's other visitor messages: no statement of its own.
    const ahead = this.readAhead.take(tx, meta.requestId);
    const read =
      ahead !== undefined ? ahead : await this.messages.lockVisitorPost(tx, d.visitorId, d.clientMessageId);
    if (!read) throw new DomainError('UNAUTHENTICATED', 'unknown visitor');
    const { visitor, earlier, open } = read;
    if (earlier) {
      const { conversationId, id: messageId, createdAt } = earlier;
      return { conversationId, messageId, createdAt, replayed: true };
    }
    refuseIfBlocked(visitor);
    // R13: a close is final, so with none open the message starts a new conversation.
    const conversation = open ?? (await this.conversations.open(tx, visitor, meta));
    // Read ahead, it is in a batch: its write goes with the batch's other visitor messages.
    const message =
      ahead !== undefined
        ? await this.poster.postVisitorMessageLater(tx, conversation, d.visitorId, d, meta)
        : await this.poster.post(tx, conversation, { type: 'visitor', id: d.visitorId }, d, meta);
    return { conversationId: conversation.id, messageId: message.id, createdAt: message.createdAt };
  }
}
