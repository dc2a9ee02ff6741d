import { z } from '../zod';
import { chatCapacitySchema, emptyReplySchema, idSchema, nameSchema, noDataSchema } from '../fields';
import { agentViewSchema, heldConversationSchema } from '../views';
import { op } from './op';

const agentId = z.object({ agentId: idSchema });
const ping = op('Is the service up', noDataSchema, z.object({ service: z.string() }));
/**
 * R5: mobile capacity is the platform's. The key is let through to routing, which refuses it
 * (MOBILE_CAPACITY_FIXED) whatever its value, instead of silently dropping it.
 */
const mobileCapacity = z
  .unknown()
  .openapi({ description: 'Never accepted: any value is refused with MOBILE_CAPACITY_FIXED (R5).' });

/** Topic `routing.requests`: what the gateway asks routing. */
export const routingRequests = {
  'system.ping': ping,
  'agent.create': op(
    'Create an agent (the gateway chose the id); chatCapacity null takes the default',
    z.object({
      agentId: idSchema,
      name: nameSchema,
      chatCapacity: chatCapacitySchema.nullable(),
      mobileCapacity,
    }),
    agentViewSchema.extend({ tokenVersion: z.number().int() }),
  ),
  'agent.list': op('Every agent', noDataSchema, z.array(agentViewSchema)),
  'agent.get': op('One agent', agentId, agentViewSchema),
  'agent.desk': op(
    'The agent and the conversations they hold now, oldest assignment first (the desk state)',
    agentId,
    z.object({
      agent: agentViewSchema,
      held: z.array(heldConversationSchema),
      /** The version of the agent's slot counts (agent.slots-changed): those in `agent` are at least as new. */
      slotsVersion: z.number().int().optional(),
    }),
  ),
  'agent.update': op(
    "Change an agent's name or chat capacity",
    z.object({
      agentId: idSchema,
      name: nameSchema.optional(),
      chatCapacity: chatCapacitySchema.optional(),
      mobileCapacity,
    }),
    agentViewSchema,
  ),
  'agent.rotate-token': op(
    "Invalidate the agent's tokens (a new token version)",
    agentId,
    z.object({ tokenVersion: z.number().int() }),
  ),
  'agent.token-version': op(
    "The agent's current token version (a desk token refresh is refused for any other)",
    agentId,
    z.object({ tokenVersion: z.number().int() }),
  ),
  'desk.connect': op(
    "An agent's desk socket connected (the agent becomes available)",
    z.object({
      agentId: idSchema,
      tokenVersion: z.number().int(),
      connectionId: z.string().min(1),
      gatewayInstance: z.string().min(1),
    }),
    agentViewSchema,
  ),
  'desk.disconnect': op(
    "An agent's desk socket went away",
    z.object({ agentId: idSchema, connectionId: z.string().min(1) }),
    emptyReplySchema,
  ),
  'desk.instance-started': op(
    'A gateway instance (re)started: its former desk connections are gone',
    z.object({ gatewayInstance: z.string().min(1) }),
    emptyReplySchema,
  ),
  'desk.instance-alive': op(
    'A gateway instance is alive (every DESK_INSTANCE_HEARTBEAT_MS); one silent for DESK_INSTANCE_TTL_MS loses its desk connections',
    z.object({ gatewayInstance: z.string().min(1) }),
    /** false: routing had expired this instance (it was silent too long), so its desks are not counted. */
    z.object({ known: z.boolean() }),
  ),
  'agent.set-status': op(
    'An agent sets themself available or away',
    z.object({ agentId: idSchema, status: z.enum(['available', 'away']) }),
    agentViewSchema,
  ),
  'conversation.release': op(
    'An agent releases a conversation they hold',
    z.object({ agentId: idSchema, conversationId: idSchema }),
    emptyReplySchema,
  ),
  'conversation.transfer': op(
    'An agent transfers a web-chat conversation to another agent',
    z.object({ agentId: idSchema, conversationId: idSchema, toAgentId: idSchema }),
    emptyReplySchema,
  ),
  'conversation.transfer-targets': op(
    'Agents a web-chat conversation held by this agent could be transferred to now',
    z.object({ agentId: idSchema, conversationId: idSchema }),
    z.object({ items: z.array(z.object({ id: idSchema, name: z.string() })) }),
  ),
};
