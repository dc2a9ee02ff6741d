import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext } from '@nestjs/microservices';
import {
  BillingOps,
  billingRequests as ops,
  CONVERSATION_CLOSURES,
  ConversationEvent,
  conversationEventSchemas,
  HandlerExtras,
  Inbox,
  RequestProcessor,
  typedHandlers,
} from '@pupitre/shared';
import { RemunerationsService } from './remunerations.service';

const BILLING_WANTS = new Set(['conversation.closed']); // billing only cares about closes

/**
 * Kafka edges of billing: closes from conversation (`conversation.closures`, which carries only them:
 * billing reads one record per close, not every message posted), queries from the gateway.
 */
@Controller()
export class RemunerationsConsumer {
  private readonly handlers = typedHandlers<BillingOps>({
    'system.ping': {
      readOnly: true,
      schema: ops['system.ping'].in,
      handle: async () => ({ service: 'billing' }),
    },
    'remunerations.list': {
      readOnly: true,
      schema: ops['remunerations.list'].in,
      handle: (d, tx) => this.remunerations.list(d, tx),
    },
  });

  constructor(
    private readonly requests: RequestProcessor,
    private readonly inbox: Inbox,
    private readonly remunerations: RemunerationsService,
  ) {}

  @EventPattern('billing.requests')
  onRequest(@Ctx() ctx: KafkaContext): Promise<void> {
    return this.requests.process(ctx, this.handlers);
  }

  @EventPattern(CONVERSATION_CLOSURES, { eventTypes: BILLING_WANTS } satisfies HandlerExtras)
  onConversationEvent(@Ctx() ctx: KafkaContext): Promise<void> {
    return this.inbox.consumeEvent<ConversationEvent>(
      ctx,
      conversationEventSchemas,
      BILLING_WANTS,
      (e, tx) =>
        e.type === 'conversation.closed' ? this.remunerations.onClosed(e.data, tx, e) : Promise.resolve(),
    );
  }
}
