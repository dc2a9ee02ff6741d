import type { Channel, RoutingEventData, RoutingEventType } from '@pupitre/shared/contracts';
import { deadlinesView, type ReassignReason } from './deadlines';

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

const sameTime = (a: Date | null, b: Date | null) => a?.getTime() === b?.getTime();

/**
 * R10's deadline is published to this precision as a visitor's messages move it: 1 s, or a
 * thousandth of R10 when that is shorter (a test's R10 of a few seconds gets a few milliseconds).
 */
export function r10Grain(responseMs: number): number {
  return Math.max(1, Math.min(1000, Math.floor(responseMs / 1000)));
}

/**
 * What a visitor message's move of R10 publishes. R10 counts from the later of the visitor's last
 * message and the assignment, so each message moves it by the time since the one before: a visitor
 * writing five messages a second would publish five deadlines a second, each carried by routing's
 * outbox, the broker, conversation's copy and the gateway. A move that stays within the same
 * `grainMs` slice of time as the deadline before it publishes nothing; the first that leaves it
 * publishes the deadline as it is then. Every deadline published is one routing held, and the one
 * in force stays within the same slice as the last published (after it, as a visitor's messages
 * come in time order); routing acts on its own, exact deadline. Anything else that changes (R11's
 * date, the reason, the holder) publishes at once.
 */
export function r10Moved(before: R10About, after: R10About, grainMs: number): RoutingEventDraft[] {
  const movedWithin =
    before.reassignReason === 'response_timeout' &&
    after.reassignReason === 'response_timeout' &&
    before.agentId === after.agentId &&
    sameTime(before.closeAt, after.closeAt) &&
    before.reassignAt !== null &&
    after.reassignAt !== null &&
    Math.floor(before.reassignAt.getTime() / grainMs) === Math.floor(after.reassignAt.getTime() / grainMs);
  return movedWithin ? [] : deadlinesChanged(before, after);
}

type R10About = About & { reassignReason: ReassignReason | null };

export function deadlinesChanged(before: About, after: About): RoutingEventDraft[] {
  if (sameTime(before.reassignAt, after.reassignAt) && sameTime(before.closeAt, after.closeAt)) return [];
  return [
    {
      type: 'conversation.deadlines-changed',
      data: { conversationId: after.conversationId, agentId: after.agentId, deadlines: deadlinesView(after) },
    },
  ];
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
