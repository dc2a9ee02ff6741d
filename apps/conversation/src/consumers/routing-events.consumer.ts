import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext } from '@nestjs/microservices';
import { HandlerExtras, Inbox, ROUTING_EVENTS, RoutingEvent, routingEventSchemas } from '@pupitre/shared';
import { AssignmentProjectionService } from '../assignments';
import { InactivityCloseService } from '../closing';

// queue.changed is for the gateway's visitor sockets: conversation has nothing to keep of it.
const ROUTING_EVENT_TYPES = new Set(Object.keys(routingEventSchemas).filter((t) => t !== 'queue.changed'));

/** `routing.events`: routing's assignments are projected; its R11 close-due is checked and carried out. */
@Controller()
export class RoutingEventsConsumer {
  constructor(
    private readonly inbox: Inbox,
    private readonly projection: AssignmentProjectionService,
    private readonly inactivity: InactivityCloseService,
  ) {}

  @EventPattern(ROUTING_EVENTS, { eventTypes: ROUTING_EVENT_TYPES } satisfies HandlerExtras)
  onRoutingEvent(@Ctx() ctx: KafkaContext): Promise<void> {
    return this.inbox.consumeEvent<RoutingEvent>(
      ctx,
      routingEventSchemas,
      ROUTING_EVENT_TYPES,
      async (e, tx) => {
        if (e.type !== 'conversation.close-due') return this.projection.apply(e, tx);
        // In order: what the batch kept before it, written first (AssignmentProjectionService).
        await this.projection.writeKept(tx);
        return this.inactivity.onCloseDue(e.data, tx, e);
      },
      { batch: this.projection, idempotent: (e) => this.projection.isIdempotent(e) },
    );
  }
}
