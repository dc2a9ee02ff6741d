import { z } from 'zod';
import { channelSchema, CLOSE_REASONS, messageSchema } from '../common';
import type { EventEnvelope } from '../envelope';

/**
 * Topic `conversation.events`, key = conversationId.
 * Produced by conversation; consumed by routing (queue, deadlines), billing (R14) and gateway (sockets).
 */
export const CONVERSATION_EVENTS = 'conversation.events';

export const conversationEventSchemas = {
  'conversation.opened': z.object({
    conversationId: z.string().uuid(),
    visitorId: z.string().uuid(),
    channel: channelSchema,
    openedAt: z.string(),
  }),
  'message.posted': z.object({
    conversationId: z.string().uuid(),
    visitorId: z.string().uuid(),
    channel: channelSchema,
    message: messageSchema,
  }),
  'conversation.closed': z.object({
    conversationId: z.string().uuid(),
    visitorId: z.string().uuid(),
    channel: channelSchema,
    reason: z.enum(CLOSE_REASONS),
    closedAt: z.string(),
    /** The last agent message before the close (R14); null when no agent ever wrote. */
    lastAgentMessage: z.object({ messageId: z.string().uuid(), agentId: z.string().uuid() }).nullable(),
  }),
  'conversation.tags-changed': z.object({
    conversationId: z.string().uuid(),
    tags: z.array(z.string()),
  }),
};

export type ConversationEventType = keyof typeof conversationEventSchemas;
export type ConversationEventData<T extends ConversationEventType> = z.infer<
  (typeof conversationEventSchemas)[T]
>;
export type ConversationEvent = {
  [T in ConversationEventType]: EventEnvelope<T, ConversationEventData<T>>;
}[ConversationEventType];
