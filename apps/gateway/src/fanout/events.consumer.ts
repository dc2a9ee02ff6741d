import { Controller, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import {
  CONVERSATION_EVENTS,
  ConversationEvent,
  conversationEventSchemas,
  contextOfMessage,
  parseEvent,
  ROUTING_EVENTS,
  RoutingEvent,
  routingEventSchemas,
  withLogContext,
} from '@pupitre/shared';
import { FANNED_OUT_CONVERSATION_EVENTS, FANNED_OUT_ROUTING_EVENTS, FanoutService } from './fanout.service';

/**
 * The live feed for sockets. The gateway's group is per instance, so every instance sees every
 * event and tells its own sockets. Handlers return at once: fan-out waits on replies that arrive
 * through this same consumer, so waiting here could starve it.
 */
@Controller()
export class EventsConsumer {
  private readonly logger = new Logger(EventsConsumer.name);

  constructor(private readonly fanout: FanoutService) {}

  @EventPattern(ROUTING_EVENTS)
  onRoutingEvent(@Payload() value: unknown): void {
    const parsed = parseEvent<RoutingEvent>(routingEventSchemas, FANNED_OUT_ROUTING_EVENTS, value);
    if (parsed.kind === 'invalid') this.logger.warn(`ignored an invalid routing event: ${parsed.reason}`);
    if (parsed.kind === 'event') this.tell(parsed.event, () => this.fanout.routingEvent(parsed.event));
  }

  @EventPattern(CONVERSATION_EVENTS)
  onConversationEvent(@Payload() value: unknown): void {
    const parsed = parseEvent<ConversationEvent>(
      conversationEventSchemas,
      FANNED_OUT_CONVERSATION_EVENTS,
      value,
    );
    if (parsed.kind === 'invalid')
      this.logger.warn(`ignored an invalid conversation event: ${parsed.reason}`);
    if (parsed.kind === 'event') this.tell(parsed.event, () => this.fanout.conversationEvent(parsed.event));
  }

  /** Fans one event out with its correlation id on the lines it leads to. */
  private tell(event: { type: string }, fanOut: () => void): void {
    withLogContext(contextOfMessage(event), () => {
      this.logger.debug(`fanning out ${event.type}`);
      fanOut();
    });
  }
}
