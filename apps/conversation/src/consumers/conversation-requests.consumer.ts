import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext } from '@nestjs/microservices';
import { z } from 'zod';
import {
  boundedText,
  codePointString,
  CHANNELS,
  ConversationOps,
  MAX_TEXT_CHARS,
  PLATFORMS,
  RequestProcessor,
  textProblem,
  noRequestData,
  typedHandlers,
} from '@pupitre/shared';
import { CannedResponsesService } from '../canned';
import { BlockVisitorService, CloseByAgentService } from '../closing';
import { ListVisitorMessagesService, PostAgentMessageService, PostVisitorMessageService } from '../messages';
import { TagConversationService } from '../tags';
import { ConversationViewsService } from '../views';
import { RegisterVisitorService } from '../visitors';

const uuid = z.string().uuid();
const text = z.string().superRefine((t, ctx) => {
  const problem = textProblem(t, MAX_TEXT_CHARS);
  if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `text ${problem}` });
});
const clientMessageId = codePointString(1, 64);
/** A desk holds at most 20 chat and a few mobile conversations. */
const MAX_VIEWS = 100;
const act = { agentId: uuid, conversationId: uuid };

/** `conversation.requests`: the gateway's requests, each validated and handed to one use case. */
@Controller()
export class ConversationRequestsConsumer {
  private readonly handlers = typedHandlers<ConversationOps>({
    'system.ping': {
      readOnly: true,
      schema: noRequestData,
      handle: async () => ({ service: 'conversation' }),
    },
    'visitor.register': {
      schema: z.object({
        visitorId: uuid,
        channel: z.enum(CHANNELS),
        name: codePointString(0, 100).nullable(),
        platform: z.enum(PLATFORMS).nullable(),
      }),
      handle: (d, tx, meta) => this.visitors.register(d, tx, meta),
    },
    'visitor.post-message': {
      schema: z.object({ visitorId: uuid, text, clientMessageId }),
      handle: (d, tx, meta) => this.visitorMessages.post(d, tx, meta),
    },
    'visitor.list-conversations': {
      readOnly: true,
      schema: z.object({ visitorId: uuid }),
      handle: (d, tx) => this.views.ofVisitor(d, tx),
    },
    'visitor.list-messages': {
      readOnly: true,
      schema: z.object({
        visitorId: uuid,
        conversationId: uuid,
        after: uuid.nullable(),
        limit: z.number().int().min(1).max(200),
      }),
      handle: (d, tx) => this.visitorMessagePages.list(d, tx),
    },
    'agent.post-message': {
      schema: z.object({ ...act, text, clientMessageId }),
      handle: (d, tx, meta) => this.agentMessages.post(d, tx, meta),
    },
    'agent.send-canned': {
      schema: z.object({ ...act, cannedResponseId: uuid, clientMessageId }),
      handle: (d, tx, meta) => this.canned.send(d, tx, meta),
    },
    'agent.close': {
      schema: z.object(act),
      handle: (d, tx, meta) => this.closeByAgent.close(d, tx, meta),
    },
    'agent.block-visitor': {
      schema: z.object(act),
      handle: (d, tx, meta) => this.blocking.block(d, tx, meta),
    },
    'agent.tag': {
      schema: z.object({ ...act, tag: boundedText(50), action: z.enum(['add', 'remove']) }),
      handle: (d, tx, meta) => this.tags.tag(d, tx, meta),
    },
    'conversation.views': {
      readOnly: true,
      schema: z.object({ conversationIds: z.array(uuid).max(MAX_VIEWS) }),
      handle: (d, tx) => this.views.views(d, tx),
    },
    'conversation.view': {
      readOnly: true,
      schema: z.object({ conversationId: uuid }),
      handle: (d, tx) => this.views.view(d, tx),
    },
    'canned.create': {
      schema: z.object({ id: uuid, title: boundedText(100), text }),
      handle: (d, tx, meta) => this.canned.create(d, tx, meta),
    },
    'canned.list': { readOnly: true, schema: noRequestData, handle: (_d, tx) => this.canned.list(tx) },
    'canned.delete': { schema: z.object({ id: uuid }), handle: (d, tx) => this.canned.delete(d, tx) },
  });

  constructor(
    private readonly requests: RequestProcessor,
    private readonly visitors: RegisterVisitorService,
    private readonly visitorMessages: PostVisitorMessageService,
    private readonly visitorMessagePages: ListVisitorMessagesService,
    private readonly agentMessages: PostAgentMessageService,
    private readonly closeByAgent: CloseByAgentService,
    private readonly blocking: BlockVisitorService,
    private readonly tags: TagConversationService,
    private readonly views: ConversationViewsService,
    private readonly canned: CannedResponsesService,
  ) {}

  @EventPattern('conversation.requests')
  onRequest(@Ctx() ctx: KafkaContext): Promise<void> {
    return this.requests.process(ctx, this.handlers);
  }
}
