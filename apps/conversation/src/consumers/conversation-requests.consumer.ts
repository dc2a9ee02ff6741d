import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext } from '@nestjs/microservices';
import {
  ConversationOps,
  conversationRequests as ops,
  RequestProcessor,
  typedHandlers,
} from '@pupitre/shared';
import { CannedResponsesService } from '../canned';
import { BlockVisitorService, CloseByAgentService } from '../closing';
import {
  ListAgentMessagesService,
  ListVisitorMessagesService,
  PostAgentMessageService,
  PostVisitorMessageService,
  BatchReadAhead,
} from '../messages';
import { PushService } from '../push';
import { TagConversationService } from '../tags';
import { ConversationViewsService } from '../views';
import { RegisterVisitorService } from '../visitors';

/** `conversation.requests`: the gateway's requests, each validated and handed to one use case. */
@Controller()
export class ConversationRequestsConsumer {
  private readonly handlers = typedHandlers<ConversationOps>({
    'system.ping': {
      readOnly: true,
      schema: ops['system.ping'].in,
      handle: async () => ({ service: 'conversation' }),
    },
    'visitor.register': {
      schema: ops['visitor.register'].in,
      handle: (d, tx, meta) => this.visitors.register(d, tx, meta),
    },
    'visitor.post-message': {
      // Its refusals (unknown, blocked) come from its one read: no savepoint in a batch.
      readsBeforeWrites: 1,
      schema: ops['visitor.post-message'].in,
      handle: (d, tx, meta) => this.visitorMessages.post(d, tx, meta),
    },
    'visitor.list-conversations': {
      readOnly: true,
      schema: ops['visitor.list-conversations'].in,
      handle: (d, tx) => this.views.ofVisitor(d, tx),
    },
    'visitor.list-messages': {
      readOnly: true,
      schema: ops['visitor.list-messages'].in,
      handle: (d, tx) => this.visitorMessagePages.list(d, tx),
    },
    'agent.list-messages': {
      readOnly: true,
      schema: ops['agent.list-messages'].in,
      handle: (d, tx) => this.agentMessagePages.list(d, tx),
    },
    'visitor.set-push-token': {
      schema: ops['visitor.set-push-token'].in,
      handle: (d, tx, meta) => this.push.setToken(d, tx, meta),
    },
    'visitor.clear-push-token': {
      schema: ops['visitor.clear-push-token'].in,
      handle: (d, tx) => this.push.clearToken(d, tx),
    },
    'visitor.presence': {
      schema: ops['visitor.presence'].in,
      handle: (d, tx, meta) => this.push.presence(d, tx, meta),
    },
    'gateway.heartbeat': {
      schema: ops['gateway.heartbeat'].in,
      handle: (d, tx, meta) => this.push.heartbeat(d, tx, meta),
    },
    'gateway.presence-reset': {
      schema: ops['gateway.presence-reset'].in,
      handle: (d, tx) => this.push.reset(d, tx),
    },
    'agent.post-message': {
      // Its refusals (not found, not the holder) come from its one read.
      readsBeforeWrites: 1,
      schema: ops['agent.post-message'].in,
      handle: (d, tx, meta) => this.agentMessages.post(d, tx, meta),
    },
    'agent.send-canned': {
      // At most the canned response's read, then the agent message's (none when read ahead with its batch).
      readsBeforeWrites: 2,
      schema: ops['agent.send-canned'].in,
      handle: (d, tx, meta) => this.canned.send(d, tx, meta),
    },
    'agent.close': {
      // Its refusals (not found, not the holder) come from its one read; then one statement closes
      // and announces.
      readsBeforeWrites: 1,
      schema: ops['agent.close'].in,
      handle: (d, tx, meta) => this.closeByAgent.close(d, tx, meta),
    },
    'agent.block-visitor': {
      // Its refusals come from its one read, as a close's.
      readsBeforeWrites: 1,
      schema: ops['agent.block-visitor'].in,
      handle: (d, tx, meta) => this.blocking.block(d, tx, meta),
    },
    'agent.tag': {
      // Its refusals come from its one read; a change is written with its event in one statement.
      readsBeforeWrites: 1,
      schema: ops['agent.tag'].in,
      handle: (d, tx, meta) => this.tags.tag(d, tx, meta),
    },
    'conversation.views': {
      readOnly: true,
      schema: ops['conversation.views'].in,
      handle: (d, tx) => this.views.views(d, tx),
    },
    'conversation.view': {
      readOnly: true,
      schema: ops['conversation.view'].in,
      handle: (d, tx) => this.views.view(d, tx),
    },
    'canned.create': {
      schema: ops['canned.create'].in,
      handle: (d, tx, meta) => this.canned.create(d, tx, meta),
    },
    'canned.list': {
      readOnly: true,
      schema: ops['canned.list'].in,
      handle: (_d, tx) => this.canned.list(tx),
    },
    'canned.delete': { schema: ops['canned.delete'].in, handle: (d, tx) => this.canned.delete(d, tx) },
  });

  constructor(
    private readonly requests: RequestProcessor,
    private readonly visitors: RegisterVisitorService,
    private readonly visitorMessages: PostVisitorMessageService,
    private readonly visitorMessagePages: ListVisitorMessagesService,
    private readonly agentMessagePages: ListAgentMessagesService,
    private readonly agentMessages: PostAgentMessageService,
    private readonly closeByAgent: CloseByAgentService,
    private readonly blocking: BlockVisitorService,
    private readonly tags: TagConversationService,
    private readonly views: ConversationViewsService,
    private readonly canned: CannedResponsesService,
    private readonly push: PushService,
    private readonly batchReads: BatchReadAhead,
  ) {}

  @EventPattern('conversation.requests')
  onRequest(@Ctx() ctx: KafkaContext): Promise<void> {
    // A batch takes its locks in one order, and reads its visitors' messages with them.
    return this.requests.process(ctx, this.handlers, (requests, tx) =>
      this.batchReads.lockForBatch(requests, tx),
    );
  }
}
