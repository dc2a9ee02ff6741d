import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { type Cause, type CloseReason, type DeferredWriteKind, writeBehind } from '@pupitre/shared';
import { type ConversationEvent, ConversationEventsOutbox, ConversationRow } from '../conversations';
import { Closing, ClosingRepository } from './closing.repository';

/** A close held back to be written with the batch's others (ConversationCloser.closeLater). */
interface HeldClose {
  closing: Closing;
  event: ConversationEvent<'conversation.closed'>;
}

/**
 * Ends a conversation for good and announces it with the last agent message before the close, the
 * one billing pays for (R14). Every close (R11, R12, blocking) goes through here.
 *
 * `c` is the conversation as read under its lock in `tx` (`FOR UPDATE`, by the request or with its
 * batch's lock, BatchReadAhead), after which nothing in `tx` wrote an agent message to it: its last
 * agent message is then the one the close pays for. (An answer that the batch held back before that
 * read was written by it: held writes go before the next statement, write-behind.ts; one the batch
 * applies before a close makes the close read for itself, domain/read-ahead.ts.) Until session 49
 * the close read the conversation again for it: one round trip more for every close.
 */
@Injectable()
export class ConversationCloser {
  /**
   * A batch's closes, in the order handled: their updates and events in one statement, which also
   * carries the batch's inbox rows when it is the last of its writes (RequestProcessor).
   */
  private readonly batchCloses: DeferredWriteKind<HeldClose> = {
    carries: true,
    write: async (tx, held, carried) => {
      await this.events.addAllWith(
        tx,
        this.closing.closing(held.map((h) => h.closing)),
        held.map((h) => h.event),
        [],
        carried,
      );
    },
  };

  constructor(
    private readonly closing: ClosingRepository,
    private readonly events: ConversationEventsOutbox,
  ) {}

  /** One statement: the close and its event. */
  async close(tx: EntityManager, c: ConversationRow, reason: CloseReason, at: Date, cause: Cause) {
    const { closing, event } = this.compose(c, reason, at, cause);
    await this.events.addAllWith(tx, this.closing.closing([closing]), [event]);
  }

  /**
   * As `close`, held back (writeBehind) and written just before the transaction's next statement, with
   * the closes handed in right before it: a batch of agents' closes read ahead costs one statement.
   */
  async closeLater(tx: EntityManager, c: ConversationRow, reason: CloseReason, at: Date, cause: Cause) {
    await writeBehind(tx, this.batchCloses, this.compose(c, reason, at, cause));
  }

  private compose(c: ConversationRow, reason: CloseReason, at: Date, cause: Cause): HeldClose {
    const lastAgentMessage =
      c.last_agent_message_id && c.last_agent_id
        ? { messageId: c.last_agent_message_id, agentId: c.last_agent_id }
        : null;
    return {
      closing: { id: c.id, reason, at },
      event: {
        type: 'conversation.closed',
        data: {
          conversationId: c.id,
          visitorId: c.visitor_id,
          channel: c.channel,
          reason,
          closedAt: at.toISOString(),
          lastAgentMessage,
        },
        at,
        cause,
      },
    };
  }
}
