import { z } from 'zod';

export const CHANNELS = ['mobile_app', 'web_chat'] as const;
export type Channel = (typeof CHANNELS)[number];
export const channelSchema = z.enum(CHANNELS);

export const PLATFORMS = ['ios', 'android', 'web'] as const;
export type Platform = (typeof PLATFORMS)[number];

export type AuthorType = 'visitor' | 'agent';

/** A message as the contract shows it. */
export interface Message {
  id: string;
  conversationId: string;
  author: { type: AuthorType; id: string };
  text: string;
  createdAt: string;
}

export const messageSchema = z.object({
  id: z.string().uuid(),
  conversationId: z.string().uuid(),
  author: z.object({ type: z.enum(['visitor', 'agent']), id: z.string().uuid() }),
  text: z.string(),
  createdAt: z.string(),
});

export const CLOSE_REASONS = ['agent', 'inactivity', 'visitor_blocked'] as const;
export type CloseReason = (typeof CLOSE_REASONS)[number];

export const UNASSIGN_REASONS = [
  'released',
  'first_response_timeout',
  'response_timeout',
  'transferred',
] as const;
export type UnassignReason = (typeof UNASSIGN_REASONS)[number];

export type ConversationStatus = 'queued' | 'assigned' | 'released' | 'closed';
export type AgentStatus = 'available' | 'away' | 'offline';

export interface SlotUsage {
  used: number;
  capacity: number;
}
export interface Slots {
  chat: SlotUsage;
  mobile: SlotUsage;
}

/** When R9/R10 would take the conversation away, and when R11 would close it. */
export interface Deadlines {
  reassignAt?: string;
  closeAt?: string;
}

export const deadlinesSchema = z.object({
  reassignAt: z.string().optional(),
  closeAt: z.string().optional(),
});
export const slotsSchema = z.object({
  chat: z.object({ used: z.number().int(), capacity: z.number().int() }),
  mobile: z.object({ used: z.number().int(), capacity: z.number().int() }),
});
