import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Cause, CloseReason } from '@pupitre/shared';
import { ConversationEventsOutbox, ConversationRow, ConversationsRepository } from '../conversations';
import { ClosingRepository } from './closing.repository';

/**
 * Ends a conversation for good and announces it with the last agent message before the close, the
 * one billing pays for (R14). Every close (R11, R12, blocking) goes through here.
 */
@Injectable()
export class ConversationCloser {
  constructor(
    private readonly closing: ClosingRepository,
    private readonly conversations: ConversationsRepository,
    private readonly events: ConversationEventsOutbox,
  ) {}

  async close(tx: EntityManager, c: ConversationRow, reason: CloseReason, at: Date, cause: Cause) {
    await this.closing.close(tx, c.id, reason, at);
    const fresh = (await this.conversations.find(tx, c.id))!;
    await this.events.add(
      tx,
      'conversation.closed',
      {
        conversationId: c.id,
        visitorId: c.visitor_id,
        channel: c.channel,
        reason,
        closedAt: at.toISOString(),
        lastAgentMessage:
          fresh.last_agent_message_id && fresh.last_agent_id
            ? { messageId: fresh.last_agent_message_id, agentId: fresh.last_agent_id }
            : null,
      },
      at,
      cause,
    );
  }
}
