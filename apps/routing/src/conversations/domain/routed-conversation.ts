import type { AgentStatus, Channel, Slots } from '@pupitre/shared/contracts';
import { isFeatureAvailable } from '@pupitre/shared/domain';
import { DomainError } from '@pupitre/shared/errors';
import { exclusionEnds } from '../../queue';
import { hasFreeSlot } from '../../slots';
import {
  deadlinesOf,
  isR10Move,
  latest,
  type ReassignReason,
  type RoutingStatus,
  type TimeoutConfig,
} from './deadlines';
import { releaseOutcome } from './release';
import {
  assigned,
  deadlinesChanged,
  deadlinesNow,
  queued,
  unassigned,
  type RoutingEventDraft,
} from './routing-event-drafts';

export type { RoutingEventDraft } from './routing-event-drafts';

/** Routing's view of one conversation: where it is (queue, desk, released, closed), its timeline, its due dates. */
export interface RoutedConversation {
  conversationId: string;
  /** Whose conversation it is (for queue positions); null for those opened before routing kept it. */
  visitorId?: string | null;
  channel: Channel;
  status: RoutingStatus;
  agentId: string | null;
  queuedAt: Date | null;
  assignedAt: Date | null;
  /** The agent it left (R7 release, R9/R10 timeout), kept away from until `excludeUntil`. */
  excludeAgentId: string | null;
  excludeUntil: Date | null;
  hasAgentMessage: boolean;
  lastAuthor: 'visitor' | 'agent' | null;
  lastVisitorMessageAt: Date | null;
  lastAgentMessageAt: Date | null;
  reassignAt: Date | null;
  reassignReason: ReassignReason | null;
  closeAt: Date | null;
}

/** What one transition decided: the new state, the events to emit in order, whose slot counts changed. */
export interface Transition {
  state: RoutedConversation;
  events: RoutingEventDraft[];
  /** R4: each of these agents gets an `agent.slots-changed` with their counts after the transition. */
  slotsChangedFor: string[];
}

/** The target of a transfer as the desk sees it now. */
export interface TransferTarget {
  agentId: string;
  status: AgentStatus;
  slots: Slots;
}

/**
 * The transitions. Each takes the state and the time and returns a Transition; none reads a clock
 * or the database. `timeouts` are the configured R9/R10/R11 durations.
 */
export const RoutedConversation = {
  /** A new conversation joins the queue ("Queue": first-in first-out by the time it opened). */
  open(
    conversationId: string,
    channel: Channel,
    openedAt: Date,
    visitorId: string | null = null,
  ): Transition {
    const state: RoutedConversation = {
      conversationId,
      visitorId,
      channel,
      status: 'queued',
      agentId: null,
      queuedAt: openedAt,
      assignedAt: null,
      excludeAgentId: null,
      excludeUntil: null,
      hasAgentMessage: false,
      lastAuthor: null,
      lastVisitorMessageAt: null,
      lastAgentMessageAt: null,
      reassignAt: null,
      reassignReason: null,
      closeAt: null,
    };
    return { state, events: [queued(state, openedAt)], slotsChangedFor: [] };
  },

  /** Matching gave it to an agent: R9/R10 clocks start now; the desk learns when it would move or close. */
  assign(
    c: RoutedConversation,
    agentId: string,
    explanation: string,
    now: Date,
    timeouts: TimeoutConfig,
  ): Transition {
    if (c.status !== 'queued') throw new Error(`cannot assign ${c.conversationId}: it is ${c.status}`);
    const state = withDeadlines(
      {
        ...c,
        status: 'assigned',
        agentId,
        assignedAt: now,
        queuedAt: null,
        excludeAgentId: null,
        excludeUntil: null,
      },
      timeouts,
    );
    return { state, events: [assigned(state, explanation, timeouts)], slotsChangedFor: [agentId] };
  },

  /** R6: the slot is freed at once. R7: back to the queue, to someone else first. R8: waits for the visitor. */
  release(c: RoutedConversation, agentId: string, now: Date, timeouts: TimeoutConfig): Transition {
    assertHeldBy(c, agentId);
    const next = releaseOutcome(c.lastAuthor);
    const state = withDeadlines(
      {
        ...c,
        status: next,
        agentId: null,
        assignedAt: null,
        queuedAt: next === 'queued' ? now : null,
        ...(next === 'queued'
          ? { excludeAgentId: agentId, excludeUntil: exclusionEnds('released', now, timeouts) }
          : {}),
      },
      timeouts,
    );
    const events: RoutingEventDraft[] = [unassigned(c, agentId, 'released', next)];
    if (next === 'queued') events.push(queued(state, now));
    return { state, events, slotsChangedFor: [agentId] };
  },

  /**
   * R9/R10: taken away from its agent and queued; "Who gets it": another agent first, and the one it
   * left only after a first-response period. Timeouts move, they do not close.
   */
  takeAway(c: RoutedConversation, reason: ReassignReason, now: Date, timeouts: TimeoutConfig): Transition {
    if (c.status !== 'assigned' || c.agentId === null)
      throw new Error(`cannot take ${c.conversationId} away: it is ${c.status}`);
    const state = withDeadlines(
      {
        ...c,
        status: 'queued',
        agentId: null,
        assignedAt: null,
        queuedAt: now,
        excludeAgentId: c.agentId,
        excludeUntil: exclusionEnds(reason, now, timeouts),
      },
      timeouts,
    );
    return {
      state,
      events: [unassigned(c, c.agentId, reason, 'queued'), queued(state, now)],
      slotsChangedFor: [c.agentId],
    };
  },

  /** R11/R12/blocking closed it (conversation decides closes): the holder's slot is freed. R13: for good. */
  close(c: RoutedConversation, timeouts: TimeoutConfig): Transition {
    if (c.status === 'closed') return unchanged(c);
    const state = withDeadlines(
      {
        ...c,
        status: 'closed',
        agentId: null,
        queuedAt: null,
        excludeAgentId: null,
        excludeUntil: null,
      },
      timeouts,
    );
    return { state, events: [], slotsChangedFor: c.agentId ? [c.agentId] : [] };
  },

  /** R3: web chat only, to another agent who is available with a free chat slot; their clocks start now. */
  transfer(
    c: RoutedConversation,
    fromAgentId: string,
    target: TransferTarget | null,
    now: Date,
    timeouts: TimeoutConfig,
  ): Transition {
    assertTransferable(c, fromAgentId);
    if (target?.agentId === fromAgentId)
      throw new DomainError('VALIDATION_FAILED', 'toAgentId: cannot transfer to yourself');
    if (!target) throw new DomainError('NOT_FOUND', 'no such agent');
    if (!canTake(target, c.channel))
      throw new DomainError('CONFLICT', 'the target agent is not available or has no free chat slot');
    const state = withDeadlines({ ...c, agentId: target.agentId, assignedAt: now }, timeouts);
    return {
      state,
      events: [
        unassigned(c, fromAgentId, 'transferred', 'transferred'),
        assigned(state, `transferred by agent ${fromAgentId}`, timeouts),
      ],
      slotsChangedFor: [fromAgentId, target.agentId],
    };
  },

  /**
   * R3: who the holder could transfer this web-chat conversation to now — the candidates `transfer`
   * would accept (another agent, available, with a free chat slot), in the order given.
   */
  transferTargets<T extends TransferTarget>(
    c: RoutedConversation,
    fromAgentId: string,
    candidates: T[],
  ): T[] {
    assertTransferable(c, fromAgentId);
    return candidates.filter((t) => t.agentId !== fromAgentId && canTake(t, c.channel));
  },

  /**
   * R8: a visitor message puts a released conversation back in the queue; R10/R11 clocks follow it.
   *
   * R10 counts from the visitor's last message, so each further visitor message while R10 runs only
   * moves R10's deadline to the message's time plus the window (`isR10Move`). Routing keeps that move
   * and publishes nothing: the event that started R10 carried its window, and those who show the
   * deadlines (conversation's views, the gateway's desk views) move them from the messages they see
   * with the same rule (`movedByVisitorMessage`). Anything else (the first visitor message after an
   * agent's, a requeue) publishes at once.
   */
  onVisitorMessage(c: RoutedConversation, at: Date, timeouts: TimeoutConfig): Transition {
    if (c.status === 'closed') return unchanged(c); // R13: conversation opens a new one instead
    const requeued = c.status === 'released';
    const state = withDeadlines(
      {
        ...c,
        lastAuthor: 'visitor',
        // The latest, should messages' times not follow their order: moves only ever go later.
        lastVisitorMessageAt: latest(c.lastVisitorMessageAt, at),
        ...(requeued ? { status: 'queued' as const, queuedAt: at } : {}),
      },
      timeouts,
    );
    const events: RoutingEventDraft[] = requeued ? [queued(state, at)] : [];
    if (isR10Move(c, state)) return { state, events, slotsChangedFor: [] };
    return { state, events: [...events, ...deadlinesChanged(c, state, timeouts)], slotsChangedFor: [] };
  },

  /**
   * The deadlines as they are now, with R10's window while it runs, to the desk of the agent who holds
   * the conversation (DeadlinePublicationSweep: a conversation an upgrade marked). Nothing once it is
   * off a desk: the events that took it off said all.
   */
  publishDeadlines(c: RoutedConversation, timeouts: TimeoutConfig): Transition {
    return {
      state: c,
      events: c.status === 'assigned' ? [deadlinesNow(c, timeouts)] : [],
      slotsChangedFor: [],
    };
  },

  /** R9 is answered, R10 waits for the visitor again, R11's clock starts at this message. */
  onAgentMessage(c: RoutedConversation, at: Date, timeouts: TimeoutConfig): Transition {
    if (c.status === 'closed') return unchanged(c);
    const state = withDeadlines(
      { ...c, hasAgentMessage: true, lastAuthor: 'agent', lastAgentMessageAt: at },
      timeouts,
    );
    return { state, events: deadlinesChanged(c, state, timeouts), slotsChangedFor: [] };
  },

  /**
   * R11: the inactivity close is due; routing notices once (the date is cleared) and conversation
   * closes, after checking that no newer message arrived meanwhile.
   */
  inactivityCloseDue(c: RoutedConversation, now: Date): Transition {
    if (c.status === 'closed' || c.closeAt === null || c.closeAt.getTime() > now.getTime())
      return unchanged(c);
    // closeAt is set only from an agent message (deadlinesOf), so lastAgentMessageAt is set too.
    const event: RoutingEventDraft = {
      type: 'conversation.close-due',
      data: {
        conversationId: c.conversationId,
        reason: 'inactivity',
        dueAt: c.closeAt.toISOString(),
        lastAgentMessageAt: c.lastAgentMessageAt!.toISOString(),
      },
    };
    return { state: { ...c, closeAt: null }, events: [event], slotsChangedFor: [] };
  },
};

/** Only the agent who holds a conversation may release or transfer it. */
function assertTransferable(c: RoutedConversation, fromAgentId: string): void {
  assertHeldBy(c, fromAgentId);
  if (!isFeatureAvailable(c.channel, 'transfer'))
    throw new DomainError(
      'FEATURE_UNAVAILABLE_ON_CHANNEL',
      'transfer is not available on mobile_app conversations',
    );
}

const canTake = (t: TransferTarget, channel: Channel): boolean =>
  t.status === 'available' && hasFreeSlot(t.slots, channel);

export function assertHeldBy(c: RoutedConversation, agentId: string): void {
  if (c.status !== 'assigned' || c.agentId !== agentId)
    throw new DomainError('FORBIDDEN', 'this conversation is not assigned to you');
}

function withDeadlines(c: RoutedConversation, timeouts: TimeoutConfig): RoutedConversation {
  const due = deadlinesOf(
    {
      status: c.status,
      assignedAt: c.assignedAt,
      hasAgentMessage: c.hasAgentMessage,
      lastMessageAuthor: c.lastAuthor,
      lastVisitorMessageAt: c.lastVisitorMessageAt,
      lastAgentMessageAt: c.lastAgentMessageAt,
    },
    timeouts,
  );
  return { ...c, reassignAt: due.reassignAt, reassignReason: due.reassignReason, closeAt: due.closeAt };
}

function unchanged(c: RoutedConversation): Transition {
  return { state: c, events: [], slotsChangedFor: [] };
}
