import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  Cause,
  CONVERSATION_EVENTS,
  ConversationEventData,
  ConversationEventType,
  envelope,
  Outbox,
  OutboxEntry,
  RequestMeta,
  Statement,
} from '@pupitre/shared';

/** A request causes the events it leads to: tracing follows the request id. */
export const causeOf = (meta: RequestMeta): Cause => ({
  eventId: meta.requestId,
  correlationId: meta.correlationId,
});

/** An event to write, before its envelope. */
export interface ConversationEvent<T extends ConversationEventType = ConversationEventType> {
  type: T;
  data: ConversationEventData<T>;
  at: Date;
  cause: Cause;
}

/** Every `conversation.events` event goes through here: enveloped, keyed by conversation, in the caller's transaction. */
@Injectable()
export class ConversationEventsOutbox {
  constructor(private readonly outbox: Outbox) {}

  async add<T extends ConversationEventType>(
    tx: EntityManager,
    type: T,
    data: ConversationEventData<T>,
    at: Date,
    cause: Cause,
  ): Promise<void> {
    const event = envelope(type, data, at, cause);
    await this.outbox.add(tx, CONVERSATION_EVENTS, data.conversationId, event as never);
  }

  /** The event written by `write`'s own statement (Outbox.addWith): one round trip for both. */
  async addWith<T extends ConversationEventType, R>(
    tx: EntityManager,
    write: Statement,
    type: T,
    data: ConversationEventData<T>,
    at: Date,
    cause: Cause,
  ): Promise<R> {
    return this.addAllWith<R>(tx, write, [{ type, data, at, cause }]);
  }

  /** `addWith` for many events, their rows in the order given (the relay publishes in that order). */
  async addAllWith<R>(tx: EntityManager, write: Statement, events: ConversationEvent[]): Promise<R> {
    const entries = events.map(
      ({ type, data, at, cause }) =>
        ({
          topic: CONVERSATION_EVENTS,
          key: data.conversationId,
          value: envelope(type, data, at, cause),
        }) as OutboxEntry,
    );
    return this.outbox.addAllWith<R>(tx, write, entries);
  }
}
