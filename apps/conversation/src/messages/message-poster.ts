import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { AuthorType, Message, RequestMeta } from '@pupitre/shared';
import { causeOf, ConversationEventsOutbox, type ConversationRow } from '../conversations';
import { MessagesRepository } from './messages.repository';

/** Stores one message and announces it (`message.posted`), in the caller's transaction. */
@Injectable()
export class MessagePoster {
  constructor(
    private readonly messages: MessagesRepository,
    private readonly events: ConversationEventsOutbox,
  ) {}

  async post(
    tx: EntityManager,
    conversation: ConversationRow,
    author: { type: AuthorType; id: string },
    m: { text: string; clientMessageId: string },
    meta: RequestMeta,
  ): Promise<Message> {
    const message = await this.messages.insert(tx, {
      id: randomUUID(),
      conversationId: conversation.id,
      authorType: author.type,
      authorId: author.id,
      clientMessageId: m.clientMessageId,
      text: m.text,
      createdAt: meta.now,
    });
    const { id: conversationId, visitor_id: visitorId, channel } = conversation;
    await this.events.add(
      tx,
      'message.posted',
      { conversationId, visitorId, channel, message },
      meta.now,
      causeOf(meta),
    );
    return message;
  }
}
