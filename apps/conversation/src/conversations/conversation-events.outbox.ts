import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  type CarriedWrite,
  Cause,
  CONVERSATION_CLOSURES,
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

/**
 * Every `conversation.events` event goes through here: enveloped, keyed by conversation, in the
 * caller's transaction. A close is written twice, the same record on `conversation.events` and on
 * `conversation.closures` (billing's topic), in one statement: both or neither.
 */
@Injectable()
export class ConversationEventsOutbox {
  constructor(private readonly outbox: Outbox) {}

  /** Many events in one insert, their rows in the order given. */
  async addAll(tx: EntityManager, events: ConversationEvent[]): Promise<void> {
    await this.outbox.addAll(tx, events.flatMap(entriesOf));
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

  /**
   * `addWith` for many events, their rows in the order given (the relay publishes in that order); an
   * event's `followedBy` row (another topic's), if any, right after it; `carried`: writes riding in
   * the statement (write-behind.ts).
   */
  async addAllWith<R>(
    tx: EntityManager,
    write: Statement,
    events: ConversationEvent[],
    followedBy: (OutboxEntry | null)[] = [],
    carried: CarriedWrite[] = [],
  ): Promise<R> {
    const entries = events.flatMap((e, i) => [...entriesOf(e), ...(followedBy[i] ? [followedBy[i]] : [])]);
    return this.outbox.addAllWith<R>(tx, write, entries, carried);
  }
}

/** The rows of one event: on `conversation.events`, and a close on `conversation.closures` too. */
function entriesOf({ type, data, at, cause }: ConversationEvent): OutboxEntry[] {
  const value = envelope(type, data, at, cause);
  const key = data.conversationId;
  const entries = [{ topic: CONVERSATION_EVENTS, key, value } as OutboxEntry];
  if (type === 'conversation.closed')
    entries.push({ topic: CONVERSATION_CLOSURES, key, value } as OutboxEntry);
  return entries;
}
