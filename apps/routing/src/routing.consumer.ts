import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext } from '@nestjs/microservices';
import { z } from 'zod';
import {
  boundedText,
  CONVERSATION_EVENTS,
  ConversationEvent,
  conversationEventSchemas,
  Inbox,
  RequestMeta,
  RequestProcessor,
  RoutingOps,
  noRequestData,
  typedHandlers,
} from '@pupitre/shared';
import { AgentsService } from './agents/agents.service';
import { ConversationFlowService } from './assignment/conversation-flow.service';

const uuid = z.string().uuid();
const name = boundedText(100);
const chatCapacity = z.number().int().min(0).max(20);
const ROUTING_WANTS = new Set(['conversation.opened', 'message.posted', 'conversation.closed']);
const causeOf = (m: RequestMeta) => ({ eventId: m.requestId, correlationId: m.correlationId });

/** Kafka edges of routing: requests from the gateway, conversation events. */
@Controller()
export class RoutingConsumer {
  private readonly handlers = typedHandlers<RoutingOps>({
    'system.ping': { readOnly: true, schema: noRequestData, handle: async () => ({ service: 'routing' }) },
    'agent.create': {
      schema: z.object({ agentId: uuid, name, chatCapacity: chatCapacity.nullable() }),
      handle: (d, tx, meta) => this.agents.create(d, tx, meta),
    },
    'agent.list': { readOnly: true, schema: noRequestData, handle: (_d, tx) => this.agents.list(tx) },
    'agent.get': {
      readOnly: true,
      schema: z.object({ agentId: uuid }),
      handle: (d, tx) => this.agents.get(d, tx),
    },
    'agent.desk': {
      readOnly: true,
      schema: z.object({ agentId: uuid }),
      handle: (d, tx) => this.agents.desk(d, tx),
    },
    'agent.update': {
      schema: z.object({ agentId: uuid, name: name.optional(), chatCapacity: chatCapacity.optional() }),
      handle: (d, tx, meta) => this.agents.update(d, tx, meta),
    },
    'agent.rotate-token': {
      schema: z.object({ agentId: uuid }),
      handle: (d, tx, meta) => this.agents.rotateToken(d, tx, meta),
    },
    'agent.token-version': {
      readOnly: true,
      schema: z.object({ agentId: uuid }),
      handle: (d, tx) => this.agents.tokenVersion(d, tx),
    },
    'desk.connect': {
      schema: z.object({
        agentId: uuid,
        tokenVersion: z.number().int(),
        connectionId: z.string().min(1),
        gatewayInstance: z.string().min(1),
      }),
      handle: (d, tx, meta) => this.agents.connect(d, tx, meta),
    },
    'desk.disconnect': {
      schema: z.object({ agentId: uuid, connectionId: z.string().min(1) }),
      handle: (d, tx, meta) => this.agents.disconnect(d, tx, meta),
    },
    'desk.instance-started': {
      schema: z.object({ gatewayInstance: z.string().min(1) }),
      handle: (d, tx, meta) => this.agents.instanceStarted(d, tx, meta),
    },
    'agent.set-status': {
      schema: z.object({ agentId: uuid, status: z.enum(['available', 'away']) }),
      handle: (d, tx, meta) => this.agents.setStatus(d, tx, meta),
    },
    'conversation.release': {
      schema: z.object({ agentId: uuid, conversationId: uuid }),
      handle: async (d, tx, meta) => {
        await this.flow.release(d, tx, meta.now, causeOf(meta));
        return {};
      },
    },
    'conversation.transfer': {
      schema: z.object({ agentId: uuid, conversationId: uuid, toAgentId: uuid }),
      handle: async (d, tx, meta) => {
        await this.flow.transfer(d, tx, meta.now, causeOf(meta));
        return {};
      },
    },
  });

  constructor(
    private readonly requests: RequestProcessor,
    private readonly inbox: Inbox,
    private readonly agents: AgentsService,
    private readonly flow: ConversationFlowService,
  ) {}

  @EventPattern('routing.requests')
  onRequest(@Ctx() ctx: KafkaContext): Promise<void> {
    return this.requests.process(ctx, this.handlers);
  }

  @EventPattern(CONVERSATION_EVENTS)
  onConversationEvent(@Ctx() ctx: KafkaContext): Promise<void> {
    // Routing reacts to openings, messages (timeline, R8) and closes; the rest is not its business.
    return this.inbox.consumeEvent<ConversationEvent>(
      ctx,
      conversationEventSchemas,
      ROUTING_WANTS,
      (e, tx, afterCommit) => this.flow.onConversationEvent(e, tx, afterCommit),
    );
  }
}
