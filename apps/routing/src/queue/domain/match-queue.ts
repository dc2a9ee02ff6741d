import type { Channel } from '@pupitre/shared/contracts';
import { explainSelection, selectAgent, type AgentCandidate } from './select-agent';
import { excludedAgent } from './exclusion';
import { slotKindOf } from '../../slots';

export interface QueuedConversation {
  conversationId: string;
  channel: Channel;
  queuedAt: Date;
  /** The agent it left (R7 release, R9/R10 timeout): kept away from them until `excludeUntil`. */
  excludeAgentId?: string | null;
  excludeUntil?: Date | null;
}

export interface Assignment {
  conversationId: string;
  agentId: string;
  channel: Channel;
  /** Why this agent, in words (see explainSelection). */
  reason: string;
}

/**
 * Reading "Queue": first-in first-out by queuedAt (ties by conversationId). A conversation that
 * cannot be matched is skipped, so it never blocks later ones that can. Inputs are not mutated.
 */
export function matchQueue(queue: QueuedConversation[], agents: AgentCandidate[], now: Date): Assignment[] {
  const pool: AgentCandidate[] = agents.map((agent) => ({
    ...agent,
    slots: { chat: { ...agent.slots.chat }, mobile: { ...agent.slots.mobile } },
  }));
  // Each pick gets a lastAssignedAt later than any real one, so the next pick prefers others.
  let tick = pool.reduce((max, a) => Math.max(max, a.lastAssignedAt?.getTime() ?? 0), 0);

  const ordered = [...queue].sort(
    (a, b) =>
      a.queuedAt.getTime() - b.queuedAt.getTime() ||
      (a.conversationId < b.conversationId ? -1 : a.conversationId > b.conversationId ? 1 : 0),
  );

  const assignments: Assignment[] = [];
  const seen = new Set<string>();
  for (const conversation of ordered) {
    if (seen.has(conversation.conversationId)) continue;
    seen.add(conversation.conversationId);

    const excluded = excludedAgent(conversation, now);
    const exclude = excluded ? new Set([excluded]) : undefined;
    const agent = selectAgent(pool, conversation.channel, exclude);
    if (agent === null) continue;
    const reason = explainSelection(pool, conversation.channel, agent, exclude);

    agent.slots[slotKindOf(conversation.channel)].used += 1;
    tick += 1;
    agent.lastAssignedAt = new Date(tick);
    assignments.push({
      conversationId: conversation.conversationId,
      agentId: agent.agentId,
      channel: conversation.channel,
      reason,
    });
  }
  return assignments;
}
