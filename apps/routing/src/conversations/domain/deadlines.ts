import type { Deadlines } from '@pupitre/shared/contracts';

export interface TimeoutConfig {
  firstResponseMs: number;
  responseMs: number;
  inactivityCloseMs: number;
}

export type RoutingStatus = 'queued' | 'assigned' | 'released' | 'closed';

export interface ConversationTimeline {
  status: RoutingStatus;
  /** Assignment to the current agent. */
  assignedAt: Date | null;
  /** Any agent message ever in the conversation. */
  hasAgentMessage: boolean;
  lastMessageAuthor: 'visitor' | 'agent' | null;
  lastVisitorMessageAt: Date | null;
  lastAgentMessageAt: Date | null;
}

/** Why R9 or R10 takes a conversation away. */
export type ReassignReason = 'first_response_timeout' | 'response_timeout';

export interface DueDates {
  reassignAt: Date | null;
  closeAt: Date | null;
  reassignReason: ReassignReason | null;
}

/** R9, R10 (take away from the agent) and R11 (close for inactivity). Timeouts move, they do not close. */
export function deadlinesOf(t: ConversationTimeline, config: TimeoutConfig): DueDates {
  const due: DueDates = { reassignAt: null, closeAt: null, reassignReason: null };
  if (t.status === 'closed') return due;

  if (t.status === 'assigned' && t.assignedAt !== null) {
    if (!t.hasAgentMessage) {
      // R9 reading: the clock starts at the assignment to the current agent.
      due.reassignAt = addMs(t.assignedAt, config.firstResponseMs);
      due.reassignReason = 'first_response_timeout';
    } else if (t.lastMessageAuthor === 'visitor') {
      // R10 reading: the later of the visitor's last message and the current assignment.
      const from = latest(t.lastVisitorMessageAt, t.assignedAt);
      due.reassignAt = addMs(from, config.responseMs);
      due.reassignReason = 'response_timeout';
    }
  }

  // R11: on a desk or released, the visitor has the inactivity delay to answer the agent.
  if (t.lastMessageAuthor === 'agent' && t.lastAgentMessageAt !== null) {
    due.closeAt = addMs(t.lastAgentMessageAt, config.inactivityCloseMs);
  }
  return due;
}

/** The same instant, or both unset. */
export const sameTime = (a: Date | null, b: Date | null) => a?.getTime() === b?.getTime();

/** Where a conversation is, who holds it and its due dates: what `isR10Move` compares. */
interface OnDesk extends DueDates {
  status: RoutingStatus;
  agentId: string | null;
}

/**
 * Only R10's deadline moved, on the same desk: R10 was already running (the visitor wrote last) and
 * still is, for the same agent, and R11's date is the same. What a further visitor message does.
 */
export function isR10Move(before: OnDesk, after: OnDesk): boolean {
  return (
    before.status === 'assigned' &&
    after.status === 'assigned' &&
    before.agentId === after.agentId &&
    before.reassignReason === 'response_timeout' &&
    after.reassignReason === 'response_timeout' &&
    sameTime(before.closeAt, after.closeAt) &&
    !sameTime(before.reassignAt, after.reassignAt)
  );
}

/** The due dates as the contract shows them to the desk (only those that are set). */
export function deadlinesView(d: Pick<DueDates, 'reassignAt' | 'closeAt'>): Deadlines {
  return {
    ...(d.reassignAt ? { reassignAt: d.reassignAt.toISOString() } : {}),
    ...(d.closeAt ? { closeAt: d.closeAt.toISOString() } : {}),
  };
}

/**
 * The deadlines as routing publishes them: the contract's view and, while R10 runs, its window.
 * Routing does not publish R10's moves (`RoutedConversation.onVisitorMessage`): with the window, those
 * who show the deadlines move `reassignAt` at each visitor message themselves (`movedByVisitorMessage`).
 */
export function publishedDeadlines(
  d: Pick<DueDates, 'reassignAt' | 'closeAt' | 'reassignReason'>,
  timeouts: TimeoutConfig,
): { deadlines: Deadlines; responseWindowMs?: number } {
  const deadlines = deadlinesView(d);
  return d.reassignReason === 'response_timeout'
    ? { deadlines, responseWindowMs: timeouts.responseMs }
    : { deadlines };
}

function addMs(date: Date, ms: number): Date {
  return new Date(date.getTime() + ms);
}

/** The later of the two times (`a` may be unset). */
export function latest(a: Date | null, b: Date): Date {
  return a !== null && a.getTime() > b.getTime() ? a : b;
}
