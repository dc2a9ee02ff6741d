import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { RoutingEvent } from '@pupitre/shared';
import { ConversationsRepository } from '../conversations';
import { AssignmentsRepository } from './assignments.repository';

const dateOrNull = (iso: string | undefined) => (iso ? new Date(iso) : null);

/**
 * Keeps routing's decisions (who holds a conversation, its deadlines) beside the conversation, so the
 * desk's views and the "is it yours?" check read one consistent place.
 */
@Injectable()
export class AssignmentProjectionService {
  constructor(
    private readonly assignments: AssignmentsRepository,
    private readonly conversations: ConversationsRepository,
  ) {}

  async apply(event: RoutingEvent, tx: EntityManager): Promise<void> {
    switch (event.type) {
      case 'conversation.queued':
        return this.assignments.project(tx, event.data.conversationId, {
          status: 'queued',
          agentId: null,
          assignedAt: null,
          reassignAt: null,
          closeAt: null,
        });
      case 'conversation.assigned':
        return this.assignments.project(tx, event.data.conversationId, {
          status: 'assigned',
          agentId: event.data.agentId,
          assignedAt: new Date(event.data.assignedAt),
          reassignAt: dateOrNull(event.data.deadlines.reassignAt),
          closeAt: dateOrNull(event.data.deadlines.closeAt),
        });
      case 'conversation.unassigned': {
        const c = await this.conversations.find(tx, event.data.conversationId, true);
        if (!c || c.agent_id !== event.data.agentId || event.data.next === 'transferred') return;
        return this.assignments.project(tx, c.id, {
          status: event.data.next === 'released' ? 'released' : 'queued',
          agentId: null,
          assignedAt: null,
          reassignAt: null,
          closeAt: c.close_at,
        });
      }
      case 'conversation.deadlines-changed':
        return this.assignments.projectDeadlines(
          tx,
          event.data.conversationId,
          dateOrNull(event.data.deadlines.reassignAt),
          dateOrNull(event.data.deadlines.closeAt),
        );
      default:
        return;
    }
  }
}
