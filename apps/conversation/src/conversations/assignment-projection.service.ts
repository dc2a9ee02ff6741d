import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { RoutingEvent } from '@pupitre/shared';
import { ConversationsRepository } from './conversations.repository';
import { isInactiveSince } from './domain/inactivity';
import { ConversationsService } from './conversations.service';

const dateOrNull = (iso: string | undefined) => (iso ? new Date(iso) : null);

/**
 * Keeps routing's decisions (who holds a conversation, its deadlines) beside the conversation, so the
 * desk's views and the "is it yours?" check read one consistent place; carries out R11 closes.
 */
@Injectable()
export class AssignmentProjectionService {
  constructor(
    private readonly repo: ConversationsRepository,
    private readonly conversations: ConversationsService,
  ) {}

  async apply(event: RoutingEvent, tx: EntityManager): Promise<void> {
    switch (event.type) {
      case 'conversation.queued':
        return this.repo.projectAssignment(tx, event.data.conversationId, {
          status: 'queued',
          agentId: null,
          assignedAt: null,
          reassignAt: null,
          closeAt: null,
        });
      case 'conversation.assigned':
        return this.repo.projectAssignment(tx, event.data.conversationId, {
          status: 'assigned',
          agentId: event.data.agentId,
          assignedAt: new Date(event.data.assignedAt),
          reassignAt: dateOrNull(event.data.deadlines.reassignAt),
          closeAt: dateOrNull(event.data.deadlines.closeAt),
        });
      case 'conversation.unassigned': {
        const c = await this.repo.findConversation(tx, event.data.conversationId, true);
        if (!c || c.agent_id !== event.data.agentId || event.data.next === 'transferred') return;
        return this.repo.projectAssignment(tx, c.id, {
          status: event.data.next === 'released' ? 'released' : 'queued',
          agentId: null,
          assignedAt: null,
          reassignAt: null,
          closeAt: c.close_at,
        });
      }
      case 'conversation.deadlines-changed':
        return this.repo.projectDeadlines(
          tx,
          event.data.conversationId,
          dateOrNull(event.data.deadlines.reassignAt),
          dateOrNull(event.data.deadlines.closeAt),
        );
      case 'conversation.close-due': {
        // R11, checked again on the messages themselves: routing's view may be behind them (a backlog
        // after a restart). Still open, the last message is the agent's, and no newer one exists.
        const c = await this.repo.findConversation(tx, event.data.conversationId, true);
        if (!c || c.closed_at) return;
        const last = await this.repo.lastMessage(tx, c.id);
        if (!isInactiveSince(last, new Date(event.data.lastAgentMessageAt))) return;
        return this.conversations.close(tx, c, 'inactivity', new Date(event.data.dueAt), event);
      }
      default:
        return;
    }
  }
}
