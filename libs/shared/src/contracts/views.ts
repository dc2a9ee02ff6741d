import { z } from './zod';
import type { Capabilities } from '../domain/capabilities';
import {
  AGENT_STATUSES,
  channelSchema,
  CLOSE_REASONS,
  CONVERSATION_STATUSES,
  deadlinesSchema,
  messageSchema,
  PLATFORMS,
  responseWindowMsSchema,
  slotsSchema,
} from './common';
import { chatCapacitySchema } from './fields';

/** R2/R3: what an agent may do on the conversation, by its channel. */
export const capabilitiesSchema = z
  .object({
    cannedResponses: z.boolean(),
    block: z.boolean(),
    emoji: z.boolean(),
    tags: z.boolean(),
    attachments: z.boolean(),
    offersAndLinks: z.boolean(),
    mirroring: z.boolean(),
    navigationControl: z.boolean(),
    transfer: z.boolean(),
  })
  .openapi('Capabilities') satisfies z.ZodType<Capabilities>;

/** CONTRACT.md: what the desk shows for one conversation. */
export const conversationViewSchema = z
  .object({
    id: z.string().uuid(),
    channel: channelSchema,
    status: z.enum(CONVERSATION_STATUSES),
    visitor: z.object({
      id: z.string().uuid(),
      name: z.string().nullable(),
      platform: z.enum(PLATFORMS).nullable(),
      blocked: z.boolean(),
    }),
    tags: z.array(z.string()),
    messages: z.array(messageSchema),
    assignedAt: z.string().nullable(),
    deadlines: deadlinesSchema,
    capabilities: capabilitiesSchema,
  })
  .openapi('ConversationView');
export type ConversationView = z.infer<typeof conversationViewSchema>;

/** Routing's word on a conversation an agent holds: the source of truth for the desk's list. */
export const heldConversationSchema = z
  .object({
    conversationId: z.string().uuid(),
    assignedAt: z.string(),
    deadlines: deadlinesSchema,
    responseWindowMs: responseWindowMsSchema,
    /**
     * Routing's event version these deadlines are as of (the last `conversation.*` event it published
     * about the conversation): a deadline event of this version or older is not newer. Absent from a
     * routing that predates it.
     */
    version: z.number().int().optional(),
  })
  .openapi('HeldConversation');
export type HeldConversation = z.infer<typeof heldConversationSchema>;

/** A visitor's own conversation, as their history lists it. */
export const visitorConversationSummarySchema = z
  .object({
    id: z.string().uuid(),
    channel: channelSchema,
    status: z.enum(CONVERSATION_STATUSES),
    createdAt: z.string(),
    closedAt: z.string().optional(),
    closeReason: z.enum(CLOSE_REASONS).optional(),
    queuePosition: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe("While queued: its place in its channel's queue (1 is next), once the gateway knows it."),
    estimatedWaitSeconds: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe('While queued: the expected wait, from recent assignment rates on the channel.'),
  })
  .openapi('ConversationSummary');
export type VisitorConversationSummary = z.infer<typeof visitorConversationSummarySchema>;

/** An agent as the admin API and the desk show it; mobileCapacity is the platform's (R5). */
export const agentViewSchema = z
  .object({
    id: z.string().uuid(),
    name: z.string(),
    chatCapacity: chatCapacitySchema,
    mobileCapacity: z.number().int().describe('Fixed by the platform (MOBILE_SLOTS, R5).'),
    status: z.enum(AGENT_STATUSES),
    slots: slotsSchema,
  })
  .openapi('Agent');
export type AgentView = z.infer<typeof agentViewSchema>;

export const cannedResponseSchema = z
  .object({
    id: z.string().uuid(),
    title: z.string(),
    text: z.string(),
  })
  .openapi('CannedResponse');
export type CannedResponse = z.infer<typeof cannedResponseSchema>;

/** The reply to a visitor's message: where it went (a new conversation may have opened). */
export const postedMessageSchema = z
  .object({
    conversationId: z.string().uuid(),
    messageId: z.string().uuid(),
    createdAt: z.string(),
  })
  .openapi('PostedMessage');
export type PostedMessage = z.infer<typeof postedMessageSchema>;
