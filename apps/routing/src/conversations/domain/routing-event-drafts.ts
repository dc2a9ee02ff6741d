import type { Channel, RoutingEventData, RoutingEventType } from '@pupitre/shared/contracts';
import { publishedDeadlines, sameTime, type ReassignReason, type TimeoutConfig } from './deadlines';

/** The part of a About its events show. */
interface About {
  conversationId: string;
  channel: Channel;
  agentId: string | null;
  assignedAt: Date | null;
  reassignAt: Date | null;
  reassignReason: ReassignReason | null;
  closeAt: Date | null;
}

/** An event of routing.events about this conversation (its key), before the envelope. */
export type RoutingEventDraft = {
  [T in RoutingEventType]: { type: T; data: RoutingEventData<T> };
}[RoutingEventType];

/** The deadlines in force, to the desk of the agent who holds the conversation, when they changed. */
export function deadlinesChanged(before: About, after: About, timeouts: TimeoutConfig): RoutingEventDraft[] {
  if (
    sameTime(before.reassignAt, after.reassignAt) &&
    sameTime(before.closeAt, after.closeAt) &&
    before.reassignReason === after.reassignReason
  )
    return [];
  return [deadlinesNow(after, timeouts)];
}

/** The deadlines in force, with R10's window while it runs, to the desk of the agent who holds the conversation. */
export function deadlinesNow(c: About, timeouts: TimeoutConfig): RoutingEventDraft {
  return {
    type: 'conversation.deadlines-changed',
    data: { conversationId: c.conversationId, agentId: c.agentId, ...publishedDeadlines(c, timeouts) },
  };
}

export function queued(c: About, at: Date): RoutingEventDraft {
  return {
    type: 'conversation.queued',
    data: { conversationId: c.conversationId, channel: c.channel, queuedAt: at.toISOString() },
  };
}

export function assigned(c: About, explanation: string, timeouts: TimeoutConfig): RoutingEventDraft {
  return {
    type: 'conversation.assigned',
    data: {
      conversationId: c.conversationId,
      channel: c.channel,
      agentId: c.agentId!,
      assignedAt: c.assignedAt!.toISOString(),
      ...publishedDeadlines(c, timeouts),
      explanation,
    },
  };
}

export function unassigned(
  c: About,
  agentId: string,
  reason: 'released' | 'transferred' | ReassignReason,
  next: 'queued' | 'released' | 'transferred',
): RoutingEventDraft {
  return {
    type: 'conversation.unassigned',
    data: { conversationId: c.conversationId, channel: c.channel, agentId, reason, next },
  };
}
