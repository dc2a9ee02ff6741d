import { z } from '../zod';
import {
  channelSchema,
  CLOSE_REASONS,
  messageSchema,
  responseWindowMsSchema,
  UNASSIGN_REASONS,
} from '../common';
import { conversationViewSchema } from '../views';
import { eventMessageSchema, type EventEnvelope } from '../envelope';

/**
 * Topic `conversation.events`, key = conversationId.
 * Produced by conversation; consumed by routing (queue, deadlines) and gateway (sockets).
 */
export const CONVERSATION_EVENTS = 'conversation.events';

/**
 * Topic `conversation.closures`, key = conversationId: each `conversation.closed` again, the same record
 * (same eventId) written in the same transaction as its copy on `conversation.events`. Consumed by
 * billing (R14), which so reads one record per close instead of every message posted.
 */
export const CONVERSATION_CLOSURES = 'conversation.closures';

/** The data of each event type on `conversation.events`. */
export const conversationEventSchemas = {
  'conversation.opened': z
    .object({
      conversationId: z.string().uuid(),
      visitorId: z.string().uuid(),
      channel: channelSchema,
      openedAt: z.string(),
    })
    .describe("A visitor's first message opened a conversation; routing queues it (R6)."),
  'message.posted': z
    .object({
      conversationId: z.string().uuid(),
      visitorId: z.string().uuid(),
      channel: channelSchema,
      message: messageSchema,
    })
    .describe('A visitor or an agent wrote in the conversation (deadlines R9–R11 count from it).'),
  'conversation.closed': z
    .object({
      conversationId: z.string().uuid(),
      visitorId: z.string().uuid(),
      channel: channelSchema,
      reason: z.enum(CLOSE_REASONS),
      closedAt: z.string(),
      /** The last agent message before the close (R14); null when no agent ever wrote. */
      lastAgentMessage: z
        .object({ messageId: z.string().uuid(), agentId: z.string().uuid() })
        .nullable()
        .describe('The last agent message before the close (R14); null when no agent ever wrote.'),
    })
    .describe(
      'The conversation closed (by its agent, a block, or inactivity R11); billing pays for it (R14).',
    ),
  'conversation.tags-changed': z
    .object({
      conversationId: z.string().uuid(),
      tags: z.array(z.string()),
    })
    .describe("The conversation's tags, all of them, after an agent added or removed one."),
  'conversation.assignment-recorded': z
    .object({
      conversationId: z.string().uuid(),
      visitorId: z.string().uuid(),
      agentId: z.string().uuid(),
      /** The whole view as conversation's copy has it once the assignment is recorded. */
      conversation: conversationViewSchema,
      /**
       * The version of routing's `conversation.assigned` recorded: the view's deadlines are as of it,
       * so a deadline event of this version or older is not newer. Absent from events before it.
       */
      routingVersion: z.number().int().optional(),
      /** R10's window as conversation's copy has it: the gateway moves the view's deadline with it. */
      responseWindowMs: responseWindowMsSchema,
    })
    .describe(
      "Conversation recorded routing's assignment: from now on it accepts the agent's commands. " +
        'Carries the whole view; the gateway brings the conversation to the desk from it.',
    ),
  'conversation.unassignment-recorded': z
    .object({
      conversationId: z.string().uuid(),
      agentId: z.string().uuid(),
      reason: z.enum(UNASSIGN_REASONS),
    })
    .describe('Conversation recorded that routing took the conversation from the agent; the desk drops it.'),
};

export type ConversationEventType = keyof typeof conversationEventSchemas;
export type ConversationEventData<T extends ConversationEventType> = z.infer<
  (typeof conversationEventSchemas)[T]
>;

/** Each event type's whole record (envelope and data), for validation and the documents. */
export const conversationEventMessages = {
  'conversation.opened': eventMessageSchema(
    'conversation.opened',
    conversationEventSchemas['conversation.opened'],
  ),
  'message.posted': eventMessageSchema('message.posted', conversationEventSchemas['message.posted']),
  'conversation.closed': eventMessageSchema(
    'conversation.closed',
    conversationEventSchemas['conversation.closed'],
  ),
  'conversation.tags-changed': eventMessageSchema(
    'conversation.tags-changed',
    conversationEventSchemas['conversation.tags-changed'],
  ),
  'conversation.assignment-recorded': eventMessageSchema(
    'conversation.assignment-recorded',
    conversationEventSchemas['conversation.assignment-recorded'],
  ),
  'conversation.unassignment-recorded': eventMessageSchema(
    'conversation.unassignment-recorded',
    conversationEventSchemas['conversation.unassignment-recorded'],
  ),
} satisfies { [T in ConversationEventType]: z.ZodType<EventEnvelope<T, ConversationEventData<T>>> };

export type ConversationEvent = {
  [T in ConversationEventType]: z.infer<(typeof conversationEventMessages)[T]>;
}[ConversationEventType];

/** What `conversation.closures` carries: the closes only. */
export type ConversationClosure = Extract<ConversationEvent, { type: 'conversation.closed' }>;
