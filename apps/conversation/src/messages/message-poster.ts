import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { AuthorType, Message, RequestMeta } from '@pupitre/shared';
import { causeOf, ConversationEventsOutbox, type ConversationRef } from '../conversations';
import { PushNotifier } from '../push';
import { MessagesRepository } from './messages.repository';

/**
 * Stores one message and announces it (`message.posted`, and `notifications.push` for an agent's
 * answer to a visitor who left), in the caller's transaction.
 */
@Injectable()
export class MessagePoster {
  constructor(
    private readonly messages: MessagesRepository,
    private readonly events: ConversationEventsOutbox,
    private readonly push: PushNotifier,
  ) {}

  async post(
    tx: EntityManager,
    conversation: ConversationRef,
    author: { type: AuthorType; id: string },
    m: { text: string; clientMessageId: string },
    meta: RequestMeta,
  ): Promise<Message> {
    // Its id and time are known here, so its event is written by the statement that stores it.
    const message: Message = {
      id: randomUUID(),
      conversationId: conversation.id,
      author: { type: author.type, id: author.id },
      text: m.text,
      createdAt: meta.now.toISOString(),
    };
    const { id: conversationId, visitor_id: visitorId, channel } = conversation;
    await this.events.addWith(
      tx,
      this.messages.insertion(message, m.clientMessageId),
      'message.posted',
      { conversationId, visitorId, channel, message },
      meta.now,
      causeOf(meta),
    );
    // Issue 9: a visitor who left the app (push token, no socket anywhere) hears of an agent's answer.
    await this.push.onAgentMessage(tx, visitorId, message, meta.now);
    return message;
  }
}
