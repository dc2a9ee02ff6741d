import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { BatchHooks, RoutingEvent } from '@pupitre/shared';
import { ConversationEventsOutbox, ConversationsRepository } from '../conversations';
import { ConversationViewsService } from '../views';
import { AssignmentsRepository, DeadlinesChange } from './assignments.repository';

const dateOrNull = (iso: string | undefined) => (iso ? new Date(iso) : null);

type Assigned = Extract<RoutingEvent, { type: 'conversation.assigned' }>;
type Unassigned = Extract<RoutingEvent, { type: 'conversation.unassigned' }>;
type Queued = Extract<RoutingEvent, { type: 'conversation.queued' }>;

/** What a batch keeps to write together (see the class), by conversation id (lowercase). */
interface Kept {
  /** The newest deadline change of each conversation. */
  deadlines: Map<string, DeadlinesChange>;
  /** At most one of each of these per conversation. */
  unassigned: Map<string, Unassigned>;
  queued: Map<string, Queued>;
  assigned: Map<string, Assigned>;
}

/** The kinds kept, in the order `writeKept` writes them. */
const KEPT_IN_ORDER = ['deadlines', 'unassigned', 'queued', 'assigned'] as const;
type KeptKind = (typeof KEPT_IN_ORDER)[number];

/**
 * Whether the conversation has a kept event that `writeKept` writes after one of `kind`: an event of
 * `kind` kept now would then be written before it, out of the conversation's order.
 */
const keptAfter = (kept: Kept, kind: KeptKind, id: string): boolean =>
  KEPT_IN_ORDER.slice(KEPT_IN_ORDER.indexOf(kind) + 1).some((k) => kept[k].has(id));

/** The conversation's id as PostgreSQL writes a uuid, to compare with what it returns. */
const keyOf = (e: { data: { conversationId: string } }): string => e.data.conversationId.toLowerCase();

/** Routing's versions of these events, for those that carry one (claimRoutingVersions). */
const versionsOf = (all: (Assigned | Unassigned | Queued)[]) =>
  all.flatMap((e) =>
    e.data.version === undefined ? [] : [{ id: e.data.conversationId, version: e.data.version }],
  );

/**
 * Keeps conversation's copy of routing's decisions (who holds a conversation, its deadlines): the
 * agents' commands are authorised against it. Once the copy says an agent holds a conversation, the
 * same transaction emits `conversation.assignment-recorded` with the whole view, which is what brings
 * the conversation to the desk: a desk never shows a conversation its agent cannot answer yet.
 * Routing's events about a conversation carry a version: one older than the last applied (a dead
 * letter replayed after newer events) is dropped whole, so it never rewrites a newer holder.
 *
 * In a batch (BatchHooks) the events that move a conversation are kept and written together,
 * set-based, kind by kind:
 * - the deadline changes, routing's most frequent event, the newest per conversation, in one
 *   statement;
 * - the unassignments (R9 and R10 take many conversations from their agents at once), in four
 *   statements however many: their versions claimed, their conversations read, their holders
 *   projected, their `conversation.unassignment-recorded` events written;
 * - their returns to the queue, in two: versions claimed, holders projected;
 * - the assignments (a matching round assigns many at once: an agent coming back to a queue), in six:
 *   their versions claimed, their holders projected, their views read (three), their
 *   `conversation.assignment-recorded` events written.
 * One by one each took four to six statements: a sweep's batch of about fifty events (each
 * conversation unassigned, queued, assigned) took about 290, and held the service's next fetch of
 * requests for 200–400 ms (session 49).
 * What is kept is written in that order (`writeKept`) before any other event of the batch is applied,
 * and at its end. The conversations of more than one kind are locked together first, in id order (the
 * order of every batch's locks: each kind's statements lock theirs in that order, but one kind after
 * another would not). An event of a conversation that has one of its kind or of a later kind kept
 * writes what is kept first. So each conversation ends as when its events are applied one by one, in
 * order (events of different conversations commute).
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
    this.batches.set(tx, {
      deadlines: new Map(),
      unassigned: new Map(),
      queued: new Map(),
      assigned: new Map(),
    });
  }

  async flush(tx: EntityManager): Promise<void> {
    await this.writeKept(tx);
    this.batches.delete(tx);
  }

  /**
   * Writes what the batch kept so far, kind by kind in KEPT_IN_ORDER. A conversation's kept events are
   * in that order (one that would come before a kept one writes what is kept first), so each
   * conversation ends as when its events are applied one by one, in order.
   */
  async writeKept(tx: EntityManager): Promise<void> {
    const kept = this.batches.get(tx);
    if (!kept) return;
    const take = <T>(m: Map<string, T>): T[] => {
      const all = [...m.values()];
      m.clear();
      return all;
    };
    if (kept.deadlines.size > 0) await this.assignments.projectDeadlinesOf(tx, take(kept.deadlines));
    // Each kind locks its conversations in id order; several kinds, one after the other, would not:
    // a request batch locking two of them in id order could then wait on this one, and it on that.
    const moving = [kept.unassigned, kept.queued, kept.assigned].filter((m) => m.size > 0);
    if (moving.length > 1)
      await this.conversations.lockInIdOrder(
        tx,
        [...new Set(moving.flatMap((m) => [...m.keys()]))],
        [],
        'FOR NO KEY UPDATE',
      );
    if (kept.unassigned.size > 0) await this.recordUnassigned(take(kept.unassigned), tx);
    if (kept.queued.size > 0) await this.recordQueued(take(kept.queued), tx);
    if (kept.assigned.size > 0) await this.recordAssigned(take(kept.assigned), tx);
  }

  /**
   * A versioned deadline change is written only over an older version, so applying it again changes
   * nothing: it needs no inbox row.
   */
  isIdempotent(event: RoutingEvent): boolean {
    return event.type === 'conversation.deadlines-changed' && event.data.version !== undefined;
  }

  async apply(event: RoutingEvent, tx: EntityManager): Promise<void> {
    const kept = this.batches.get(tx);
    if (event.type === 'conversation.deadlines-changed' && event.data.version !== undefined) {
      const { conversationId, version, deadlines, responseWindowMs } = event.data;
      const change = {
        conversationId,
        version,
        reassignAt: dateOrNull(deadlines.reassignAt),
        closeAt: dateOrNull(deadlines.closeAt),
        responseWindowMs: responseWindowMs ?? null,
      };
      if (!kept) return this.assignments.projectDeadlinesOf(tx, [change]);
      const id = keyOf(event);
      if (keptAfter(kept, 'deadlines', id)) await this.writeKept(tx);
      if ((kept.deadlines.get(id)?.version ?? -Infinity) < version) kept.deadlines.set(id, change);
      return;
    }
    if (event.type === 'conversation.unassigned') {
      if (!kept) return this.recordUnassigned([event], tx);
      return this.keep(kept, kept.unassigned, 'unassigned', event, tx);
    }
    if (event.type === 'conversation.queued') {
      if (!kept) return this.recordQueued([event], tx);
      return this.keep(kept, kept.queued, 'queued', event, tx);
    }
    if (event.type === 'conversation.assigned') {
      if (!kept) return this.recordAssigned([event], tx);
      return this.keep(kept, kept.assigned, 'assigned', event, tx);
    }
    // An agent's events change nothing here: they do not cut what the batch keeps.
    if (event.type !== 'conversation.deadlines-changed') return;
    // Deadlines published before versions existed: in order after what is kept.
    await this.writeKept(tx);
    await this.assignments.projectDeadlines(
      tx,
      event.data.conversationId,
      dateOrNull(event.data.deadlines.reassignAt),
      dateOrNull(event.data.deadlines.closeAt),
    );
  }

  /** Keeps `event` with the batch's others of its kind, once what must be written before it is. */
  private async keep<E extends Assigned | Unassigned | Queued>(
    kept: Kept,
    ofItsKind: Map<string, E>,
    kind: KeptKind,
    event: E,
    tx: EntityManager,
  ): Promise<void> {
    const id = keyOf(event);
    if (ofItsKind.has(id) || keptAfter(kept, kind, id)) await this.writeKept(tx);
    ofItsKind.set(id, event);
  }

  /**
   * Records assignments, one per conversation, set-based: those whose version is current are
   * projected, and each conversation still open gets `conversation.assignment-recorded` with its
   * whole view (a closed one is told to the desk by its `conversation.closed`).
   */
  private async recordAssigned(all: Assigned[], tx: EntityManager): Promise<void> {
    const current = await this.assignments.claimRoutingVersions(tx, versionsOf(all));
    const isCurrent = (e: Assigned) => e.data.version === undefined || current.has(keyOf(e));
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
    const done = all.filter((e) => recorded.has(keyOf(e)));
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
        const conversation = views.get(keyOf(e))!;
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

  /**
   * Records unassignments, one per conversation, set-based: those whose version is current, of a
   * conversation still open and held by that agent, get their holder projected (a transfer's is
   * projected by the new holder's assignment, which follows it) and `conversation.unassignment-recorded`.
   */
  private async recordUnassigned(all: Unassigned[], tx: EntityManager): Promise<void> {
    const current = await this.assignments.claimRoutingVersions(tx, versionsOf(all));
    const live = all.filter((e) => e.data.version === undefined || current.has(keyOf(e)));
    if (live.length === 0) return;
    const rows = new Map(
      (
        await this.conversations.findMany(
          tx,
          live.map((e) => e.data.conversationId),
          true,
        )
      ).map((c) => [c.id.toLowerCase(), c]),
    );
    const held = live.filter((e) => {
      const c = rows.get(keyOf(e));
      return c && !c.closed_at && c.agent_id?.toLowerCase() === e.data.agentId.toLowerCase();
    });
    if (held.length === 0) return;
    await this.assignments.projectAll(
      tx,
      held
        .filter((e) => e.data.next !== 'transferred')
        .map((e) => ({
          id: e.data.conversationId,
          p: {
            status: e.data.next === 'released' ? ('released' as const) : ('queued' as const),
            agentId: null,
            assignedAt: null,
            reassignAt: null,
            closeAt: rows.get(keyOf(e))!.close_at,
            responseWindowMs: null,
          },
        })),
    );
    await this.events.addAll(
      tx,
      held.map(({ data: d, occurredAt, eventId, correlationId }) => ({
        type: 'conversation.unassignment-recorded' as const,
        data: { conversationId: d.conversationId, agentId: d.agentId, reason: d.reason },
        at: new Date(occurredAt),
        cause: { eventId, correlationId },
      })),
    );
  }

  /** Records returns to the queue, one per conversation, set-based: those whose version is current. */
  private async recordQueued(all: Queued[], tx: EntityManager): Promise<void> {
    const current = await this.assignments.claimRoutingVersions(tx, versionsOf(all));
    await this.assignments.projectAll(
      tx,
      all
        .filter((e) => e.data.version === undefined || current.has(keyOf(e)))
        .map((e) => ({
          id: e.data.conversationId,
          p: {
            status: 'queued' as const,
            agentId: null,
            assignedAt: null,
            reassignAt: null,
            closeAt: null,
            responseWindowMs: null,
          },
        })),
    );
  }
}
