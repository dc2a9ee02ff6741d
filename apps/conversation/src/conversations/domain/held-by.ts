import { DomainError } from '@pupitre/shared/errors';

/** Only the agent a conversation is assigned to may act on it: another agent's is FORBIDDEN. */
export function assertHeldBy<C extends { status: string; agent_id: string | null }>(
  c: C | null,
  agentId: string,
): C {
  if (!c) throw new DomainError('NOT_FOUND', 'no such conversation');
  if (c.status !== 'assigned' || c.agent_id !== agentId) {
    throw new DomainError('FORBIDDEN', 'this conversation is not assigned to you');
  }
  return c;
}
