import type { Channel, RoutingEventData, RoutingEventType } from '@pupitre/shared/contracts';
import { deadlinesView, sameTime, type ReassignReason } from './deadlines';

/** The part of a About its events show. */
interface About {
  conversationId: string;
  channel: Channel;
  agentId: string | null;
  assignedAt: Date | null;
  reassignAt: Date | null;
  closeAt: Date | null;
}

/** An event of routing.events about this conversation (its key), before the envelope. */
export type RoutingEventDraft = {
  [T in RoutingEventType]: { type: T; data: RoutingEventData<T> };
}[RoutingEventType];

export function deadlinesChanged(before: About, after: About): RoutingEventDraft[] {
  if (sameTime(before.reassignAt, after.reassignAt) && sameTime(before.closeAt, after.closeAt)) return [];
  return [deadlinesNow(after)];
}

/** The deadlines in force, to the desk of the agent who holds the conversation. */
export function deadlinesNow(c: About): RoutingEventDraft {
  return {
    type: 'conversation.deadlines-changed',
    data: { conversationId: c.conversationId, agentId: c.agentId, deadlines: deadlinesView(c) },
  };
}

export function queued(c: About, at: Date): RoutingEventDraft {
  return {
    type: 'conversation.queued',
    data: { conversationId: c.conversationId, channel: c.channel, queuedAt: at.toISOString() },
  };
}

export function assigned(c: About, explanation: string): RoutingEventDraft {
  return {
    type: 'conversation.assigned',
    data: {
      conversationId: c.conversationId,
      channel: c.channel,
      agentId: c.agentId!,
      assignedAt: c.assignedAt!.toISOString(),
      deadlines: deadlinesView(c),
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
