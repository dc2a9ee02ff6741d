import type { AgentCandidate } from '../domain/select-agent';

/** An available agent with free slots (3 chat, 2 mobile) unless told otherwise: `chat: [used, capacity]`. */
export function agent(
  agentId: string,
  overrides: Partial<AgentCandidate> & { chat?: [number, number]; mobile?: [number, number] } = {},
): AgentCandidate {
  const { chat = [0, 3], mobile = [0, 2], ...rest } = overrides;
  return {
    agentId,
    status: 'available',
    slots: { chat: { used: chat[0], capacity: chat[1] }, mobile: { used: mobile[0], capacity: mobile[1] } },
    lastAssignedAt: null,
    ...rest,
  };
}
