import type { AgentStatus } from '@pupitre/shared/contracts';

/** Reading "Available agent": connected to the desk and not away. Offline agents keep what they hold. */
export const statusOf = (a: { connections: number; away: boolean }): AgentStatus =>
  a.connections === 0 ? 'offline' : a.away ? 'away' : 'available';

/**
 * Whether `agent.status` asks for anything: the agent's choice (away or not) is all it sets, so
 * asking for the choice already made changes nothing (issue 8, Floods: a no-op takes no lock).
 */
export const changesChoice = (a: { away: boolean }, requested: 'available' | 'away'): boolean =>
  a.away !== (requested === 'away');
