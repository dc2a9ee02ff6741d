import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { BatchHooks, ROUTING_VERSIONED_EVENTS, RoutingEvent, RoutingEventData } from '@pupitre/shared';
import { ConversationEventsOutbox, ConversationsRepository } from '../conversations';
import { ConversationViewsService } from '../views';
import { AssignmentsRepository, DeadlinesChange } from './assignments.repository';

const dateOrNull = (iso: string | undefined) => (iso ? new Date(iso) : null);

type Assigned = Extract<RoutingEvent, { type: 'conversation.assigned' }>;

/** What a batch keeps to write together (see the class). */
interface Kept {
  /** The newest deadline change of each conversation. */
  deadlines: Map<string, DeadlinesChange>;
  /** At most one assignment of each conversation. */
  assigned: Map<string, Assigned>;
}

/**
 * Keeps conversation's copy of routing's decisions (who holds a conversation, its deadlines): the
 * agents' commands are authorised against it. Once the copy says an agent holds a conversation, the
 * same transaction emits `conversation.assignment-recorded` with the whole view, which is what brings
 * the conversation to the desk: a desk never shows a conversation its agent cannot answer yet.
 * Routing's events about a conversation carry a version: one older than the last applied (a dead
 * letter replayed after newer events) is dropped whole, so it never rewrites a newer holder.
 *
 * In a batch (BatchHooks) two kinds of event are kept and written together, set-based:
 * - the deadline changes, routing's most frequent event, the newest per conversation, in one
 *   statement;
 * - the assignments (a matching round assigns many at once: an agent coming back to a queue), in six
 *   statements however many: their versions claimed, their holders projected, their views read (three),
 *   their `conversation.assignment-recorded` events written. One by one it took six each.
 * Both are written before any other event of the batch is applied, and at its end (`writeKept`); a
 * deadline change or an assignment of a conversation whose assignment is kept writes what is kept
 * first. So each conversation ends as when its events are applied one by one, in order (events of
 * different conversations commute).
 * Alone, each is written at once.
 */
@Injectable()
export class AssignmentProjectionService implements BatchHooks<RoutingEvent> {
  /** Each batch's events not written yet, from `prepare` to `flush`. */
  private readonly batches = new WeakMap<EntityManager, Kept>();

  constructor(
    private readonly assignments: AssignmentsRepository,
    private readonly conversations: ConversationsRepository,
    private readonly views: ConversationViewsService,
    private readonly events: ConversationEventsOutbox,
  ) {}

  async prepare(_events: RoutingEvent[], tx: EntityManager): Promise<void> {
    this.batches.set(tx, { deadlines: new Map(), assigned: new Map() });
  }

  async flush(tx: EntityManager): Promise<void> {
    await this.writeKept(tx);
    this.batches.delete(tx);
  }

  /**
   * Writes what the batch kept so far: the deadline changes, then the assignments. A deadline change
   * kept is older than any kept assignment of its conversation (a later one writes what is kept
   * first), so each conversation ends as when its events are applied one by one, in order.
   */
  async writeKept(tx: EntityManager): Promise<void> {
    const kept = this.batches.get(tx);
    if (!kept) return;
    if (kept.deadlines.size > 0) {
      const changes = [...kept.deadlines.values()];
      kept.deadlines.clear();
      await this.assignments.projectDeadlinesOf(tx, changes);
    }
    if (kept.assigned.size > 0) {
      const assigned = [...kept.assigned.values()];
      kept.assigned.clear();
      await this.recordAssigned(assigned, tx);
    }
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
      if (kept.assigned.has(conversationId)) await this.writeKept(tx);
      if ((kept.deadlines.get(conversationId)?.version ?? -Infinity) < version)
        kept.deadlines.set(conversationId, change);
      return;
    }
    if (event.type === 'conversation.assigned') {
      const kept = this.batches.get(tx);
      if (!kept) return this.recordAssigned([event], tx);
      if (kept.assigned.has(event.data.conversationId)) await this.writeKept(tx);
      kept.assigned.set(event.data.conversationId, event);
      return;
    }
    await this.writeKept(tx);
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

  /**
   * Records assignments, one per conversation, set-based: those whose version is current are
   * projected, and each conversation still open gets `conversation.assignment-recorded` with its
   * whole view (a closed one is told to the desk by its `conversation.closed`).
   */
  private async recordAssigned(all: Assigned[], tx: EntityManager): Promise<void> {
    // The ids as PostgreSQL writes a uuid, to compare with what it returns.
    const idOf = (e: Assigned) => e.data.conversationId.toLowerCase();
    const versioned = all.filter((e) => e.data.version !== undefined);
    const current = await this.assignments.claimRoutingVersions(
      tx,
      versioned.map((e) => ({ id: e.data.conversationId, version: e.data.version! })),
    );
    const isCurrent = (e: Assigned) => e.data.version === undefined || current.has(idOf(e));
    const recorded = await this.assignments.projectAll(
      tx,
      all.filter(isCurrent).map(({ data: d }) => ({
        id: d.conversationId,
        p: {
          status: 'assigned',
          agentId: d.agentId,
          assignedAt: new Date(d.assignedAt),
          reassignAt: dateOrNull(d.deadlines.reassignAt),
          closeAt: dateOrNull(d.deadlines.closeAt),
          responseWindowMs: d.responseWindowMs ?? null,
        },
      })),
    );
    const done = all.filter((e) => recorded.has(idOf(e)));
    if (done.length === 0) return;
    const views = new Map(
      (
        await this.views.viewAll(
          tx,
          done.map((e) => e.data.conversationId),
        )
      ).map((v) => [v.id.toLowerCase(), v]),
    );
    await this.events.addAll(
      tx,
      done.map((e) => {
        const { data: d, occurredAt, eventId, correlationId } = e;
        const conversation = views.get(idOf(e))!;
        return {
          type: 'conversation.assignment-recorded' as const,
          data: {
            conversationId: d.conversationId,
            visitorId: conversation.visitor.id,
            agentId: d.agentId,
            conversation,
            routingVersion: d.version,
            ...(d.responseWindowMs === undefined ? {} : { responseWindowMs: d.responseWindowMs }),
          },
          at: new Date(occurredAt),
          cause: { eventId, correlationId },
        };
      }),
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
