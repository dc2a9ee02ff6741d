import { z } from 'zod';
import { channelSchema, deadlinesSchema, slotsSchema, UNASSIGN_REASONS } from '../common';
import type { EventEnvelope } from '../envelope';

/**
 * Topic `routing.events`, key = conversationId (agent events: agentId).
 * Produced by routing; consumed by conversation (assignment projection, R11 closes) and gateway (sockets).
 */
export const ROUTING_EVENTS = 'routing.events';

export const routingEventSchemas = {
  'conversation.queued': z.object({
    conversationId: z.string().uuid(),
    channel: channelSchema,
    queuedAt: z.string(),
  }),
  'conversation.assigned': z.object({
    conversationId: z.string().uuid(),
    channel: channelSchema,
    agentId: z.string().uuid(),
    assignedAt: z.string(),
    deadlines: deadlinesSchema,
    /** Why this agent, in words ("fewest mobile slots in use (0 of 2) among 3 available agents"). */
    explanation: z.string().optional(),
  }),
  'conversation.unassigned': z.object({
    conversationId: z.string().uuid(),
    channel: channelSchema,
    agentId: z.string().uuid(),
    reason: z.enum(UNASSIGN_REASONS),
    /** released/waiting: no agent and not queued (R8); queued: back in the queue (R7, R9, R10). */
    next: z.enum(['queued', 'released', 'transferred']),
  }),
  'conversation.deadlines-changed': z.object({
    conversationId: z.string().uuid(),
    agentId: z.string().uuid().nullable(),
    deadlines: deadlinesSchema,
  }),
  /**
   * R11: routing found the conversation inactive; conversation closes it, unless a message newer than
   * `lastAgentMessageAt` (the agent message the deadline counts from) shows routing's view was behind.
   */
  'conversation.close-due': z.object({
    conversationId: z.string().uuid(),
    reason: z.literal('inactivity'),
    dueAt: z.string(),
    lastAgentMessageAt: z.string(),
  }),
  'agent.slots-changed': z.object({ agentId: z.string().uuid(), slots: slotsSchema }),
  'agent.status-changed': z.object({
    agentId: z.string().uuid(),
    status: z.enum(['available', 'away', 'offline']),
  }),
};

export type RoutingEventType = keyof typeof routingEventSchemas;
export type RoutingEventData<T extends RoutingEventType> = z.infer<(typeof routingEventSchemas)[T]>;
export type RoutingEvent = {
  [T in RoutingEventType]: EventEnvelope<T, RoutingEventData<T>>;
}[RoutingEventType];
