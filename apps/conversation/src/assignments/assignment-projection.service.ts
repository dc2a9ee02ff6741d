import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { BatchHooks, ROUTING_VERSIONED_EVENTS, RoutingEvent, RoutingEventData } from '@pupitre/shared';
import { ConversationEventsOutbox, ConversationsRepository } from '../conversations';
import { ConversationViewsService } from '../views';
import { AssignmentsRepository, DeadlinesChange } from './assignments.repository';

const dateOrNull = (iso: string | undefined) => (iso ? new Date(iso) : null);

/**
 * Keeps conversation's copy of routing's decisions (who holds a conversation, its deadlines): the
 * agents' commands are authorised against it. Once the copy says an agent holds a conversation, the
 * same transaction emits `conversation.assignment-recorded` with the whole view, which is what brings
 * the conversation to the desk: a desk never shows a conversation its agent cannot answer yet.
 * Routing's events about a conversation carry a version: one older than the last applied (a dead
 * letter replayed after newer events) is dropped whole, so it never rewrites a newer holder.
 *
 * In a batch (BatchHooks) the deadline changes, routing's most frequent event, are kept, the newest
 * per conversation, and written in one statement before any other event of the batch is applied and
 * at its end: the same result as one statement each, in
 * order (an older version would have been dropped by the newer), with one round trip instead of one
 * per message. Alone, each is written at once.
 */
@Injectable()
export class AssignmentProjectionService implements BatchHooks<RoutingEvent> {
  /** Each batch's deadline changes not written yet, by conversation, from `prepare` to `flush`. */
  private readonly batches = new WeakMap<EntityManager, Map<string, DeadlinesChange>>();

  constructor(
    private readonly assignments: AssignmentsRepository,
    private readonly conversations: ConversationsRepository,
    private readonly views: ConversationViewsService,
    private readonly events: ConversationEventsOutbox,
  ) {}

  async prepare(_events: RoutingEvent[], tx: EntityManager): Promise<void> {
    this.batches.set(tx, new Map());
  }

  async flush(tx: EntityManager): Promise<void> {
    await this.writeDeadlines(tx);
    this.batches.delete(tx);
  }

  /** Writes the batch's deadline changes kept so far: before anything else of the batch is applied. */
  async writeDeadlines(tx: EntityManager): Promise<void> {
    const kept = this.batches.get(tx);
    if (!kept || kept.size === 0) return;
    const changes = [...kept.values()];
    kept.clear();
    await this.assignments.projectDeadlinesOf(tx, changes);
  }

  /**
   * A versioned deadline change is written only over an older version, so applying it again changes
   * nothing: it needs no inbox row.
   */
  isIdempotent(event: RoutingEvent): boolean {
    return event.type === 'conversation.deadlines-changed' && event.data.version !== undefined;
  }

  async apply(event: RoutingEvent, tx: EntityManager): Promise<void> {
    if (event.type === 'conversation.deadlines-changed' && event.data.version !== undefined) {
      const { conversationId, version, deadlines, responseWindowMs } = event.data;
      const change = {
        conversationId,
        version,
        reassignAt: dateOrNull(deadlines.reassignAt),
        closeAt: dateOrNull(deadlines.closeAt),
        responseWindowMs: responseWindowMs ?? null,
      };
      const kept = this.batches.get(tx);
      if (!kept) return this.assignments.projectDeadlinesOf(tx, [change]);
      if ((kept.get(conversationId)?.version ?? -Infinity) < version) kept.set(conversationId, change);
      return;
    }
    await this.writeDeadlines(tx);
    if (!(await this.isCurrent(event, tx))) return;
    switch (event.type) {
      case 'conversation.queued':
        await this.assignments.project(tx, event.data.conversationId, {
          status: 'queued',
          agentId: null,
          assignedAt: null,
          reassignAt: null,
          closeAt: null,
          responseWindowMs: null,
        });
        return;
      case 'conversation.assigned':
        return this.assigned(event.data, event, tx);
      case 'conversation.unassigned':
        return this.unassigned(event.data, event, tx);
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

  private async isCurrent(event: RoutingEvent, tx: EntityManager): Promise<boolean> {
    if (!ROUTING_VERSIONED_EVENTS.has(event.type)) return true;
    const d = event.data as { conversationId: string; version?: number };
    if (d.version === undefined) return true; // published before versions existed
    return this.assignments.claimRoutingVersion(tx, d.conversationId, d.version);
  }

  private async assigned(
    d: RoutingEventData<'conversation.assigned'>,
    event: RoutingEvent,
    tx: EntityManager,
  ): Promise<void> {
    const recorded = await this.assignments.project(tx, d.conversationId, {
      status: 'assigned',
      agentId: d.agentId,
      assignedAt: new Date(d.assignedAt),
      reassignAt: dateOrNull(d.deadlines.reassignAt),
      closeAt: dateOrNull(d.deadlines.closeAt),
      responseWindowMs: d.responseWindowMs ?? null,
    });
    if (!recorded) return; // closed meanwhile: its conversation.closed tells the desk
    const conversation = await this.views.view({ conversationId: d.conversationId }, tx);
    await this.events.add(
      tx,
      'conversation.assignment-recorded',
      {
        conversationId: d.conversationId,
        visitorId: conversation.visitor.id,
        agentId: d.agentId,
        conversation,
        routingVersion: d.version,
        ...(d.responseWindowMs === undefined ? {} : { responseWindowMs: d.responseWindowMs }),
      },
      new Date(event.occurredAt),
      event,
    );
  }

  private async unassigned(
    d: RoutingEventData<'conversation.unassigned'>,
    event: RoutingEvent,
    tx: EntityManager,
  ): Promise<void> {
    const c = await this.conversations.find(tx, d.conversationId, true);
    if (!c || c.closed_at || c.agent_id !== d.agentId) return;
    // A transfer is followed by the new holder's assignment, which records it.
    if (d.next !== 'transferred')
      await this.assignments.project(tx, c.id, {
        status: d.next === 'released' ? 'released' : 'queued',
        agentId: null,
        assignedAt: null,
        reassignAt: null,
        closeAt: c.close_at,
        responseWindowMs: null,
      });
    await this.events.add(
      tx,
      'conversation.unassignment-recorded',
      { conversationId: d.conversationId, agentId: d.agentId, reason: d.reason },
      new Date(event.occurredAt),
      event,
    );
  }
}
