import { z } from '../zod';
import {
  channelSchema,
  deadlinesSchema,
  responseWindowMsSchema,
  slotsSchema,
  UNASSIGN_REASONS,
} from '../common';
import { eventMessageSchema, type EventEnvelope } from '../envelope';

/** A queue snapshot carries at most this many conversations (the head of the queue). */
export const QUEUE_SNAPSHOT_MAX = 500;

/**
 * Topic `routing.events`, key = conversationId (agent events: agentId; queue.changed: the channel).
 * Produced by routing; consumed by conversation (assignment projection, R11 closes) and gateway (sockets).
 */
export const ROUTING_EVENTS = 'routing.events';

/**
 * Per conversation, bumped by each of routing's events about it (those in ROUTING_VERSIONED_EVENTS):
 * a consumer that keeps a copy drops one older than what it recorded (a dead letter replayed late).
 * Absent from events published before versions existed.
 */
const conversationVersion = z
  .number()
  .int()
  .optional()
  .describe('Per conversation, bumped by each routing event about it: an older one is stale.');

/** The data of each event type on `routing.events`. */
export const routingEventSchemas = {
  'conversation.queued': z
    .object({
      conversationId: z.string().uuid(),
      channel: channelSchema,
      queuedAt: z.string(),
      version: conversationVersion,
    })
    .describe('The conversation waits in the queue for an agent (R6, R7).'),
  'conversation.assigned': z
    .object({
      conversationId: z.string().uuid(),
      channel: channelSchema,
      agentId: z.string().uuid(),
      assignedAt: z.string(),
      deadlines: deadlinesSchema,
      responseWindowMs: responseWindowMsSchema,
      version: conversationVersion,
      /** Why this agent, in words ("fewest mobile slots in use (0 of 2) among 3 available agents"). */
      explanation: z
        .string()
        .optional()
        .describe(
          'Why this agent, in words ("fewest mobile slots in use (0 of 2) among 3 available agents").',
        ),
    })
    .describe('An agent now holds the conversation (R1, R4, R5).'),
  'conversation.unassigned': z
    .object({
      conversationId: z.string().uuid(),
      channel: channelSchema,
      agentId: z.string().uuid(),
      reason: z.enum(UNASSIGN_REASONS),
      /** released/waiting: no agent and not queued (R8); queued: back in the queue (R7, R9, R10). */
      next: z
        .enum(['queued', 'released', 'transferred'])
        .describe('released: no agent and not queued (R8); queued: back in the queue (R7, R9, R10).'),
      version: conversationVersion,
    })
    .describe('The agent no longer holds the conversation (released, timed out R9/R10, or transferred).'),
  'conversation.deadlines-changed': z
    .object({
      conversationId: z.string().uuid(),
      agentId: z.string().uuid().nullable(),
      deadlines: deadlinesSchema,
      responseWindowMs: responseWindowMsSchema,
      version: conversationVersion,
    })
    .describe(
      "The conversation's R9/R10/R11 deadlines changed (a message was written); R10's further moves " +
        'by visitor messages are not published: responseWindowMs says how they move.',
    ),
  /**
   * R11: routing found the conversation inactive; conversation closes it, unless a message newer than
   * `lastAgentMessageAt` (the agent message the deadline counts from) shows routing's view was behind.
   */
  'conversation.close-due': z
    .object({
      conversationId: z.string().uuid(),
      reason: z.literal('inactivity'),
      dueAt: z.string(),
      lastAgentMessageAt: z.string(),
    })
    .describe(
      'R11: routing found the conversation inactive; conversation closes it, unless a message newer than ' +
        'lastAgentMessageAt shows routing was behind.',
    ),
  'agent.slots-changed': z
    .object({
      agentId: z.string().uuid(),
      slots: slotsSchema,
      /** Per agent, bumped in the transaction of the change: a higher version has newer counts. */
      version: z
        .number()
        .int()
        .optional()
        .describe('Per agent, bumped in the transaction of the change: a higher version has newer counts.'),
    })
    .describe("An agent's slots in use or capacity changed (R4, R5)."),
  'queue.changed': z
    .object({
      channel: channelSchema,
      /** Per channel, bumped in the transaction that reads the queue: a higher version is newer. */
      version: z.number().int(),
      /** The head of the channel's queue, next first (position = index + 1), at most QUEUE_SNAPSHOT_MAX. */
      queued: z
        .array(z.object({ conversationId: z.string().uuid(), visitorId: z.string().uuid().nullable() }))
        .describe('The head of the queue, next first: position = index + 1.'),
      /** Mean time between recent assignments on the channel; absent with too few to tell. */
      secondsPerAssignment: z
        .number()
        .nonnegative()
        .optional()
        .describe('Mean time between recent assignments on the channel; absent with too few to tell.'),
    })
    .describe(
      "A channel's queue changed (joins, assignments, leaves): its head in order, coalesced per " +
        "matching round. The gateway derives each connected visitor's queue.updated from it.",
    ),
  'agent.token-rotated': z
    .object({ agentId: z.string().uuid(), tokenVersion: z.number().int() })
    .describe(
      "An agent's desk token was rotated: every gateway ends that agent's desk sessions opened with an " +
        'older token version, at once.',
    ),
};

export type RoutingEventType = keyof typeof routingEventSchemas;
export type RoutingEventData<T extends RoutingEventType> = z.infer<(typeof routingEventSchemas)[T]>;

const s = routingEventSchemas;
/** Each event type's whole record (envelope and data), for validation and the documents. */
export const routingEventMessages = {
  'conversation.queued': eventMessageSchema('conversation.queued', s['conversation.queued']),
  'conversation.assigned': eventMessageSchema('conversation.assigned', s['conversation.assigned']),
  'conversation.unassigned': eventMessageSchema('conversation.unassigned', s['conversation.unassigned']),
  'conversation.deadlines-changed': eventMessageSchema(
    'conversation.deadlines-changed',
    s['conversation.deadlines-changed'],
  ),
  'conversation.close-due': eventMessageSchema('conversation.close-due', s['conversation.close-due']),
  'agent.slots-changed': eventMessageSchema('agent.slots-changed', s['agent.slots-changed']),
  'agent.token-rotated': eventMessageSchema('agent.token-rotated', s['agent.token-rotated']),
  'queue.changed': eventMessageSchema('queue.changed', s['queue.changed']),
} satisfies { [T in RoutingEventType]: z.ZodType<EventEnvelope<T, RoutingEventData<T>>> };

export type RoutingEvent = {
  [T in RoutingEventType]: z.infer<(typeof routingEventMessages)[T]>;
}[RoutingEventType];

/** The events about one conversation that carry its `version`. */
export const ROUTING_VERSIONED_EVENTS: ReadonlySet<RoutingEventType> = new Set<RoutingEventType>([
  'conversation.queued',
  'conversation.assigned',
  'conversation.unassigned',
  'conversation.deadlines-changed',
]);
