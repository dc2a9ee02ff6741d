import type { AgentStatus } from '@pupitre/shared/contracts';

/** Reading "Available agent": connected to the desk and not away. Offline agents keep what they hold. */
export const statusOf = (a: { connections: number; away: boolean }): AgentStatus =>
  a.connections === 0 ? 'offline' : a.away ? 'away' : 'available';
