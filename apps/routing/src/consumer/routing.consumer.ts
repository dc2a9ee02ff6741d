import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext } from '@nestjs/microservices';
import {
  CONVERSATION_EVENTS,
  ConversationEvent,
  conversationEventSchemas,
  HandlerExtras,
  Inbox,
  RequestMeta,
  RequestProcessor,
  routingRequests as ops,
  RoutingOps,
  typedHandlers,
} from '@pupitre/shared';
import { AgentDirectoryService } from '../agents';
import { AgentSettingsService, DeskViewService, PresenceService } from '../desk';
import { ConversationEventsHandler, DeskActionsService, RequestBatchLocks, RoutingLocks } from '../flow';

const ROUTING_WANTS = new Set(['conversation.opened', 'message.posted', 'conversation.closed']);
const causeOf = (m: RequestMeta) => ({ eventId: m.requestId, correlationId: m.correlationId });

/** Kafka edges of routing: requests from the gateway, conversation events. */
@Controller()
export class RoutingConsumer {
  private readonly handlers = typedHandlers<RoutingOps>({
    'system.ping': {
      readOnly: true,
      schema: ops['system.ping'].in,
      handle: async () => ({ service: 'routing' }),
    },
    // agent.create/agent.update let a mobileCapacity key through: routing refuses it itself (R5).
    'agent.create': {
      schema: ops['agent.create'].in,
      handle: (d, tx, meta) => this.directory.create(d, tx, meta),
    },
    'agent.list': {
      readOnly: true,
      schema: ops['agent.list'].in,
      handle: (_d, tx) => this.directory.list(tx),
    },
    'agent.get': {
      readOnly: true,
      schema: ops['agent.get'].in,
      handle: (d, tx) => this.directory.get(d, tx),
    },
    'agent.desk': {
      readOnly: true,
      schema: ops['agent.desk'].in,
      handle: (d, tx) => this.deskView.desk(d, tx),
    },
    'agent.update': {
      schema: ops['agent.update'].in,
      handle: (d, tx, meta) => this.settings.update(d, tx, meta),
    },
    'agent.rotate-token': {
      schema: ops['agent.rotate-token'].in,
      handle: (d, tx, meta) => this.directory.rotateToken(d, tx, meta),
    },
    'agent.token-version': {
      readOnly: true,
      schema: ops['agent.token-version'].in,
      handle: (d, tx) => this.directory.tokenVersion(d, tx),
    },
    'desk.connect': {
      schema: ops['desk.connect'].in,
      locks: RoutingLocks.channels,
      handle: (d, tx, meta) => this.presence.connect(d, tx, meta),
    },
    'desk.disconnect': {
      schema: ops['desk.disconnect'].in,
      locks: RoutingLocks.channels,
      handle: (d, tx, meta) => this.presence.disconnect(d, tx, meta),
    },
    'desk.instance-started': {
      schema: ops['desk.instance-started'].in,
      locks: RoutingLocks.channels,
      handle: (d, tx, meta) => this.presence.instanceStarted(d, tx, meta),
    },
    'desk.instance-alive': {
      schema: ops['desk.instance-alive'].in,
      handle: (d, tx, meta) => this.presence.instanceAlive(d, tx, meta),
    },
    'agent.set-status': {
      schema: ops['agent.set-status'].in,
      locks: RoutingLocks.channels,
      handle: (d, tx, meta) => this.presence.setStatus(d, tx, meta),
    },
    'conversation.release': {
      schema: ops['conversation.release'].in,
      locks: RoutingLocks.conversation,
      handle: async (d, tx, meta) => {
        await this.deskActions.release(d, tx, meta.now, causeOf(meta));
        return {};
      },
    },
    'conversation.transfer': {
      schema: ops['conversation.transfer'].in,
      locks: RoutingLocks.conversation,
      handle: async (d, tx, meta) => {
        await this.deskActions.transfer(d, tx, meta.now, causeOf(meta));
        return {};
      },
    },
    'conversation.transfer-targets': {
      readOnly: true,
      schema: ops['conversation.transfer-targets'].in,
      handle: (d, tx) => this.deskActions.transferTargets(d, tx),
    },
  });

  constructor(
    private readonly requests: RequestProcessor,
    private readonly inbox: Inbox,
    private readonly directory: AgentDirectoryService,
    private readonly settings: AgentSettingsService,
    private readonly presence: PresenceService,
    private readonly deskView: DeskViewService,
    private readonly deskActions: DeskActionsService,
    private readonly conversationEvents: ConversationEventsHandler,
    private readonly batchLocks: RequestBatchLocks,
  ) {}

  @EventPattern('routing.requests')
  onRequest(@Ctx() ctx: KafkaContext): Promise<void> {
    // A batch of requests takes its channel locks in one order (request-batch-locks.ts).
    return this.requests.process(ctx, this.handlers, this.batchLocks.lock);
  }

  @EventPattern(CONVERSATION_EVENTS, { eventTypes: ROUTING_WANTS } satisfies HandlerExtras)
  onConversationEvent(@Ctx() ctx: KafkaContext): Promise<void> {
    // Routing reacts to openings, messages (timeline, R8) and closes; the rest is not its business.
    return this.inbox.consumeEvent<ConversationEvent>(
      ctx,
      conversationEventSchemas,
      ROUTING_WANTS,
      (e, tx, afterCommit) => this.conversationEvents.handle(e, tx, afterCommit),
      { batch: this.conversationEvents },
    );
  }
}
