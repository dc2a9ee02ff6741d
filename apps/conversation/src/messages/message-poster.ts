import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { AuthorType, Message, OutboxEntry, RequestMeta } from '@pupitre/shared';
import { type DeferredWriteKind, writeBehind } from '@pupitre/shared';
import {
  causeOf,
  type ConversationEvent,
  ConversationEventsOutbox,
  type ConversationRef,
} from '../conversations';
import { PushNotifier, type PushRead } from '../push';
import { MessagesRepository } from './messages.repository';

/** A message held back to be written with the batch's others (MessagePoster.postVisitorMessageLater). */
interface HeldMessage {
  message: Message;
  clientMessageId: string;
  event: ConversationEvent<'message.posted'>;
  /** An agent's answer to a visitor who left: its `notifications.push` record, after the event. */
  push: OutboxEntry | null;
}

/**
 * Stores one message and announces it (`message.posted`, and `notifications.push` for an agent's
 * answer to a visitor who left), in the caller's transaction.
 */
@Injectable()
export class MessagePoster {
  /**
   * A batch's messages, in the order handled: their inserts, their events and pushes in one statement.
   * Visitors' alone (nearly every batch) keep the statement that moves no pointer. It carries the
   * batch's inbox rows (RequestProcessor): a batch of messages writes all it changes in one statement.
   */
  private readonly batchMessages: DeferredWriteKind<HeldMessage> = {
    carries: true,
    write: async (tx, held, carried) => {
      const insert = held.every((h) => h.message.author.type === 'visitor')
        ? this.messages.visitorInsertion(held)
        : this.messages.batchInsertion(held);
      await this.events.addAllWith(
        tx,
        insert,
        held.map((h) => h.event),
        held.map((h) => h.push),
        carried,
      );
    },
  };

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
    const { message, event } = this.compose(conversation, author, m.text, meta);
    await this.events.addWith(
      tx,
      this.messages.insertion(message, m.clientMessageId),
      event.type,
      event.data,
      event.at,
      event.cause,
    );
    // Issue 9: a visitor who left the app (push token, no socket anywhere) hears of an agent's answer.
    await this.push.onAgentMessage(tx, event.data.visitorId, message, meta.now);
    return message;
  }

  /**
   * A visitor's message, as `post`, held back (writeBehind) and written just before the transaction's
   * next statement, with the messages handed in right before it: a batch of them costs one
   * round trip, not one each. For a batch's messages whose reads were made with its lock, so that
   * nothing else of theirs needs a statement (BatchReadAhead).
   */
  async postVisitorMessageLater(
    tx: EntityManager,
    conversation: ConversationRef,
    visitorId: string,
    m: { text: string; clientMessageId: string },
    meta: RequestMeta,
  ): Promise<Message> {
    const { message, event } = this.compose(conversation, { type: 'visitor', id: visitorId }, m.text, meta);
    await writeBehind(tx, this.batchMessages, {
      message,
      clientMessageId: m.clientMessageId,
      event,
      push: null,
    });
    return message;
  }

  /**
   * An agent's message, as `post`, held back with the batch's others (postVisitorMessageLater), its
   * push decided from the target read ahead with the batch (BatchReadAhead): no statement of its own.
   */
  async postAgentMessageLater(
    tx: EntityManager,
    conversation: ConversationRef,
    agentId: string,
    m: { text: string; clientMessageId: string },
    meta: RequestMeta,
    target: PushRead,
  ): Promise<Message> {
    const { message, event } = this.compose(conversation, { type: 'agent', id: agentId }, m.text, meta);
    const push = this.push.entryFor(event.data.visitorId, message, target, meta.now);
    await writeBehind(tx, this.batchMessages, { message, clientMessageId: m.clientMessageId, event, push });
    return message;
  }

  private compose(
    conversation: ConversationRef,
    author: { type: AuthorType; id: string },
    text: string,
    meta: RequestMeta,
  ): { message: Message; event: ConversationEvent<'message.posted'> } {
    const message: Message = {
      id: randomUUID(),
      conversationId: conversation.id,
      author: { type: author.type, id: author.id },
      text,
      createdAt: meta.now.toISOString(),
    };
    const { id: conversationId, visitor_id: visitorId, channel } = conversation;
    const data = { conversationId, visitorId, channel, message };
    return { message, event: { type: 'message.posted', data, at: meta.now, cause: causeOf(meta) } };
  }
}
