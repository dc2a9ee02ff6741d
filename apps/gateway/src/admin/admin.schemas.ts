import {
  createAgentBody,
  createCannedBody,
  DomainError,
  remunerationsQuery,
  updateAgentBody,
} from '@pupitre/shared';
import { parseInput } from '../http';

/** R5: no admin API may change mobile capacity, whatever value is sent. */
function rejectMobileCapacity(body: unknown): void {
  if (typeof body === 'object' && body !== null && Object.hasOwn(body, 'mobileCapacity')) {
    throw new DomainError(
      'MOBILE_CAPACITY_FIXED',
      'mobileCapacity is fixed by the platform (MOBILE_SLOTS) and cannot be set through the admin API',
    );
  }
}

export function parseCreateAgent(body: unknown): { name: string; chatCapacity: number | null } {
  rejectMobileCapacity(body);
  const d = parseInput(createAgentBody, body);
  return { name: d.name, chatCapacity: d.chatCapacity ?? null };
}

export function parseUpdateAgent(body: unknown): { name?: string; chatCapacity?: number } {
  rejectMobileCapacity(body);
  const d = parseInput(updateAgentBody, body);
  return {
    ...(d.name !== undefined ? { name: d.name } : {}),
    ...(d.chatCapacity !== undefined ? { chatCapacity: d.chatCapacity } : {}),
  };
}

export function parseCreateCanned(body: unknown): { title: string; text: string } {
  return parseInput(createCannedBody, body);
}

export function parseRemunerationsQuery(query: unknown): {
  agentId: string | null;
  from: string | null;
  to: string | null;
} {
  const q = parseInput(remunerationsQuery, query ?? {}, 'query');
  return { agentId: q.agentId ?? null, from: q.from ?? null, to: q.to ?? null };
}
