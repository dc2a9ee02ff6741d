import { Controller, Logger } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext, Payload } from '@nestjs/microservices';
import {
  CONVERSATION_EVENTS,
  REPLAY_FOR_HEADER,
  ConversationEvent,
  conversationEventSchemas,
  contextOfMessage,
  HandlerExtras,
  parseEvent,
  ROUTING_EVENTS,
  RoutingEvent,
  routingEventSchemas,
  withLogContext,
} from '@pupitre/shared';
import { DeskFeedLag } from './desk-feed-lag';
import { FANNED_OUT_CONVERSATION_EVENTS, FANNED_OUT_ROUTING_EVENTS, FanoutService } from './fanout.service';

/**
 * The live feed for sockets. The gateway's group is per instance, so every instance sees every
 * event and tells its own sockets. Handlers return at once: fan-out waits on replies that arrive
 * through this same consumer, so waiting here could starve it. A dead letter replayed by an operator
 * is meant for the consumers that gave up on it (REPLAY_FOR_HEADER), never this feed: it fanned the
 * original out already, and has no inbox to tell.
 */
@Controller()
export class EventsConsumer {
  private readonly logger = new Logger(EventsConsumer.name);

  constructor(
    private readonly fanout: FanoutService,
    private readonly lag: DeskFeedLag,
  ) {}

  @EventPattern(ROUTING_EVENTS, { eventTypes: FANNED_OUT_ROUTING_EVENTS } satisfies HandlerExtras)
  onRoutingEvent(@Payload() value: unknown, @Ctx() ctx: KafkaContext): void {
    if (isReplay(ctx)) return;
    const parsed = parseEvent<RoutingEvent>(routingEventSchemas, FANNED_OUT_ROUTING_EVENTS, value);
    if (parsed.kind === 'invalid') this.logger.warn(`ignored an invalid routing event: ${parsed.reason}`);
    if (parsed.kind === 'event') this.tell(parsed.event, () => this.fanout.routingEvent(parsed.event));
  }

  @EventPattern(CONVERSATION_EVENTS, { eventTypes: FANNED_OUT_CONVERSATION_EVENTS } satisfies HandlerExtras)
  onConversationEvent(@Payload() value: unknown, @Ctx() ctx: KafkaContext): void {
    if (isReplay(ctx)) return;
    const parsed = parseEvent<ConversationEvent>(
      conversationEventSchemas,
      FANNED_OUT_CONVERSATION_EVENTS,
      value,
    );
    if (parsed.kind === 'invalid')
      this.logger.warn(`ignored an invalid conversation event: ${parsed.reason}`);
    if (parsed.kind !== 'event') return;
    const event = parsed.event;
    // Read: a visitor message this gateway accepted no longer waits for its feed (DeskFeedLag).
    if (event.type === 'message.posted') this.lag.read(event.data.message.id);
    this.tell(event, () => this.fanout.conversationEvent(event));
  }

  /** Fans one event out with its correlation id on the lines it leads to. */
  private tell(event: { type: string }, fanOut: () => void): void {
    withLogContext(contextOfMessage(event), () => {
      this.logger.debug(`fanning out ${event.type}`);
      fanOut();
    });
  }
}

const isReplay = (ctx: KafkaContext) => ctx.getMessage().headers?.[REPLAY_FOR_HEADER] !== undefined;
