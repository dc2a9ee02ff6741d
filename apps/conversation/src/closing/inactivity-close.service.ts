import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Cause, RoutingEventData } from '@pupitre/shared';
import { ConversationsRepository } from '../conversations';
import { MessagesRepository } from '../messages';
import { ConversationCloser } from './conversation-closer';
import { isInactiveSince } from './domain/inactivity';

/**
 * R11's close. Routing's sweep finds the conversations due; this side checks the rule again on the
 * messages themselves (routing's view may be behind them, e.g. a backlog after a restart) and closes
 * with reason `inactivity` only if the visitor stayed silent since the agent message.
 */
@Injectable()
export class InactivityCloseService {
  constructor(
    private readonly conversations: ConversationsRepository,
    private readonly messages: MessagesRepository,
    private readonly closer: ConversationCloser,
  ) {}

  async onCloseDue(due: RoutingEventData<'conversation.close-due'>, tx: EntityManager, cause: Cause) {
    const c = await this.conversations.find(tx, due.conversationId, true);
    if (!c || c.closed_at) return;
    const last = await this.messages.last(tx, c.id);
    if (!isInactiveSince(last, new Date(due.lastAgentMessageAt))) return;
    await this.closer.close(tx, c, 'inactivity', new Date(due.dueAt), cause);
  }
}
