import type { AgentStatus, Channel, Slots } from '@pupitre/shared/contracts';
import { hasFreeSlot, slotKindOf } from '../../slots';

export interface AgentCandidate {
  agentId: string;
  status: AgentStatus;
  slots: Slots;
  lastAssignedAt: Date | null;
}

/** Reading "Available agent": status `available` (which implies connected) and a free slot of that kind. */
export function isAvailableFor(agent: AgentCandidate, channel: Channel): boolean {
  return agent.status === 'available' && hasFreeSlot(agent.slots, channel);
}

/**
 * Reading "Who gets it": fewest used slots of that kind, then longest since last assignment
 * (never assigned counts as longest), then agentId so the choice is deterministic.
 * `exclude` keeps R9/R10 reassignments away from the agent they were taken from.
 */
export function selectAgent(
  candidates: AgentCandidate[],
  channel: Channel,
  exclude?: ReadonlySet<string>,
): AgentCandidate | null {
  const kind = slotKindOf(channel);
  let best: AgentCandidate | null = null;
  for (const candidate of candidates) {
    if (exclude?.has(candidate.agentId) || !isAvailableFor(candidate, channel)) continue;
    if (best === null || compareCandidates(candidate, best, kind) < 0) best = candidate;
  }
  return best;
}

function compareCandidates(a: AgentCandidate, b: AgentCandidate, kind: keyof Slots): number {
  const byLoad = a.slots[kind].used - b.slots[kind].used;
  if (byLoad !== 0) return byLoad;
  const waitA = lastAssignedTime(a);
  const waitB = lastAssignedTime(b);
  if (waitA !== waitB) return waitA < waitB ? -1 : 1;
  return a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0;
}

function lastAssignedTime(agent: AgentCandidate): number {
  return agent.lastAssignedAt === null ? Number.NEGATIVE_INFINITY : agent.lastAssignedAt.getTime();
}

/**
 * Why `chosen` got the conversation, in words an operator can check against the reading
 * "Who gets it" (routing that explains itself). Call it before the choice changes any count.
 */
export function explainSelection(
  candidates: AgentCandidate[],
  channel: Channel,
  chosen: AgentCandidate,
  exclude?: ReadonlySet<string>,
): string {
  const kind = slotKindOf(channel);
  const eligible = candidates.filter((c) => !exclude?.has(c.agentId) && isAvailableFor(c, channel));
  const load = chosen.slots[kind];
  const parts: string[] = [];
  if (eligible.length <= 1) {
    parts.push(`the only available agent with a free ${kind} slot (${load.used} of ${load.capacity} in use)`);
  } else {
    parts.push(
      `fewest ${kind} slots in use (${load.used} of ${load.capacity}) among ${eligible.length} available agents`,
    );
    const tied = eligible.filter((c) => c.slots[kind].used === load.used).length;
    if (tied > 1) parts.push(`longest wait since last assignment among the ${tied} equally loaded`);
  }
  const skipped = candidates.filter((c) => exclude?.has(c.agentId) && isAvailableFor(c, channel)).length;
  if (skipped > 0) parts.push('skipped the agent it was just taken from');
  return parts.join('; ');
}
