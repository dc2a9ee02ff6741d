import { z } from './zod';
import { dateTimeSchema } from './date-time';

export const CHANNELS = ['mobile_app', 'web_chat'] as const;
export type Channel = (typeof CHANNELS)[number];
export const channelSchema = z.enum(CHANNELS);

export const PLATFORMS = ['ios', 'android', 'web'] as const;
export type Platform = (typeof PLATFORMS)[number];
export const platformSchema = z.enum(PLATFORMS);

export const AUTHOR_TYPES = ['visitor', 'agent'] as const;
export type AuthorType = (typeof AUTHOR_TYPES)[number];

/** A message as the contract shows it. */
export const messageSchema = z
  .object({
    id: z.string().uuid(),
    conversationId: z.string().uuid(),
    author: z.object({ type: z.enum(AUTHOR_TYPES), id: z.string().uuid() }),
    text: z.string(),
    createdAt: dateTimeSchema(),
  })
  .openapi('Message');
export type Message = z.infer<typeof messageSchema>;

export const CLOSE_REASONS = ['agent', 'inactivity', 'visitor_blocked'] as const;
export type CloseReason = (typeof CLOSE_REASONS)[number];

/** Why routing took a conversation from its agent (`conversation.unassigned`). */
export const UNASSIGN_REASONS = [
  'released',
  'first_response_timeout',
  'response_timeout',
  'transferred',
] as const;

export const CONVERSATION_STATUSES = ['queued', 'assigned', 'released', 'closed'] as const;
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];
export const AGENT_STATUSES = ['available', 'away', 'offline'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

export const slotUsageSchema = z
  .object({ used: z.number().int(), capacity: z.number().int() })
  .openapi('SlotUsage');
export type SlotUsage = z.infer<typeof slotUsageSchema>;
/** R4/R5: the slots an agent uses and has, per kind. */
export const slotsSchema = z.object({ chat: slotUsageSchema, mobile: slotUsageSchema }).openapi('Slots');
export type Slots = z.infer<typeof slotsSchema>;

/** When R9/R10 would take the conversation away, and when R11 would close it. */
export const deadlinesSchema = z
  .object({
    reassignAt: z.string().optional(),
    closeAt: z.string().optional(),
  })
  .openapi('Deadlines');
export type Deadlines = z.infer<typeof deadlinesSchema>;

/**
 * R10's window while it runs (routing's RESPONSE_TIMEOUT_MS), beside internal copies of deadlines:
 * routing publishes it when R10 starts instead of publishing each move, and whoever shows the
 * deadlines moves `reassignAt` at each visitor message to its time plus this (movedByVisitorMessage).
 * Absent while R10 does not run (R9, or the agent wrote last), and from events that predate it.
 */
export const responseWindowMsSchema = z
  .number()
  .int()
  .positive()
  .optional()
  .describe("While R10 runs: each visitor message moves reassignAt to the message's time plus this many ms.");
