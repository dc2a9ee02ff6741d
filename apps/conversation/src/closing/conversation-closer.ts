import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Cause, CloseReason } from '@pupitre/shared';
import { ConversationEventsOutbox, ConversationRow } from '../conversations';
import { ClosingRepository } from './closing.repository';

/**
 * Ends a conversation for good and announces it with the last agent message before the close, the
 * one billing pays for (R14). Every close (R11, R12, blocking) goes through here.
 */
@Injectable()
export class ConversationCloser {
  constructor(
    private readonly closing: ClosingRepository,
    private readonly events: ConversationEventsOutbox,
  ) {}

  /**
   * One statement: the close and its event. `c` is the conversation as read under its lock in `tx`
   * (`FOR UPDATE`), after which nothing in `tx` wrote an agent message to it: its last agent message
   * is then the one the close pays for. (An answer held back by the batch before that read was written
   * by it: held writes go before the next statement, write-behind.ts.) Until session 49 the close read
   * the conversation again for it: one round trip more for every close.
   */
  async close(tx: EntityManager, c: ConversationRow, reason: CloseReason, at: Date, cause: Cause) {
    await this.events.addWith(
      tx,
      this.closing.closing(c.id, reason, at),
      'conversation.closed',
      {
        conversationId: c.id,
        visitorId: c.visitor_id,
        channel: c.channel,
        reason,
        closedAt: at.toISOString(),
        lastAgentMessage:
          c.last_agent_message_id && c.last_agent_id
            ? { messageId: c.last_agent_message_id, agentId: c.last_agent_id }
            : null,
      },
      at,
      cause,
    );
  }
}
