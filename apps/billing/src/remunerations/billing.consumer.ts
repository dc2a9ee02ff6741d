import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext } from '@nestjs/microservices';
import { z } from 'zod';
import {
  BillingOps,
  Clock,
  CLOCK,
  CONVERSATION_EVENTS,
  ConversationEvent,
  conversationEventSchemas,
  envelopeSchema,
  Inbox,
  RequestProcessor,
  typedHandlers,
} from '@pupitre/shared';
import { RemunerationsService } from './remunerations.service';

const none = z
  .object({})
  .passthrough()
  .transform(() => ({}) as Record<string, never>);
const isoDate = z.string().datetime({ offset: true }).nullable();

/** Kafka edges of billing: closes from conversation, queries from the gateway. */
@Controller()
export class BillingConsumer {
  private readonly handlers = typedHandlers<BillingOps>({
    'system.ping': { readOnly: true, schema: none, handle: async () => ({ service: 'billing' }) },
    'remunerations.list': {
      readOnly: true,
      schema: z.object({ agentId: z.string().uuid().nullable(), from: isoDate, to: isoDate }),
      handle: (d, tx) => this.remunerations.list(d, tx),
    },
  });

  constructor(
    private readonly requests: RequestProcessor,
    private readonly inbox: Inbox,
    private readonly remunerations: RemunerationsService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @EventPattern('billing.requests')
  onRequest(@Ctx() ctx: KafkaContext): Promise<void> {
    return this.requests.process(ctx, this.handlers);
  }

  @EventPattern(CONVERSATION_EVENTS)
  onConversationEvent(@Ctx() ctx: KafkaContext): Promise<void> {
    return this.inbox.consume<ConversationEvent>(ctx, {
      parse: (value) => {
        const e = envelopeSchema.parse(value);
        if (e.type !== 'conversation.closed') return null; // billing only cares about closes
        return {
          ...e,
          data: conversationEventSchemas['conversation.closed'].parse(e.data),
        } as ConversationEvent;
      },
      id: (e) => e.eventId,
      handle: async (e, tx) => {
        if (e.type === 'conversation.closed')
          await this.remunerations.onClosed(e.data, tx, this.clock.now(), e);
      },
    });
  }
}
