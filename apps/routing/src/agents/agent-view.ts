import type { AgentView, Slots } from '@pupitre/shared';
import { slotsOf } from '../slots';
import type { AgentRow } from './agents.repository';
import { statusOf } from './domain/agent-status';

export const agentSlots = (a: AgentRow, mobileSlots: number): Slots =>
  slotsOf({ chatUsed: a.chat_used, mobileUsed: a.mobile_used, chatCapacity: a.chat_capacity }, mobileSlots);

/** An agent as the admin API and the desk show it. */
export const toAgentView = (a: AgentRow, mobileSlots: number): AgentView => ({
  id: a.id,
  name: a.name,
  chatCapacity: a.chat_capacity,
  mobileCapacity: mobileSlots,
  status: statusOf(a),
  slots: agentSlots(a, mobileSlots),
});
