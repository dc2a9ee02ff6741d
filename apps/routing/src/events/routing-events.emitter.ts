import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Cause, envelope, Outbox, ROUTING_EVENTS, RoutingEventData, RoutingEventType } from '@pupitre/shared';

/** Everything routing tells the others goes through here, into the outbox of the caller's transaction. */
@Injectable()
export class RoutingEventsEmitter {
  constructor(private readonly outbox: Outbox) {}

  async emit<T extends RoutingEventType>(
    tx: EntityManager,
    key: string,
    type: T,
    data: RoutingEventData<T>,
    now: Date,
    cause?: Cause,
  ): Promise<void> {
    // The union of envelopes cannot be narrowed from a generic T; `type` and `data` are tied above.
    await this.outbox.add(tx, ROUTING_EVENTS, key, envelope(type, data, now, cause) as never);
  }

  /** Events about one aggregate, in order, under its key. */
  async emitAll(
    tx: EntityManager,
    key: string,
    events: { type: RoutingEventType; data: unknown }[],
    now: Date,
    cause?: Cause,
  ): Promise<void> {
    for (const e of events) await this.emit(tx, key, e.type, e.data as never, now, cause);
  }
}
