import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  Cause,
  envelope,
  Outbox,
  ROUTING_EVENTS,
  ROUTING_VERSIONED_EVENTS,
  RoutingEventData,
  RoutingEventType,
  returningRows,
} from '@pupitre/shared';

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
    const versioned = ROUTING_VERSIONED_EVENTS.has(type) ? await this.withVersion(tx, key, data) : data;
    // The union of envelopes cannot be narrowed from a generic T; `type` and `data` are tied above.
    await this.outbox.add(tx, ROUTING_EVENTS, key, envelope(type, versioned, now, cause) as never);
  }

  /**
   * The conversation's next event version (its row is already locked by the change being published),
   * so conversation can drop an event older than one it recorded. Without a row, no version.
   */
  private async withVersion<D>(tx: EntityManager, conversationId: string, data: D): Promise<D> {
    const rows = await returningRows<{ event_version: string }>(
      tx,
      `UPDATE routed_conversations SET event_version = event_version + 1 WHERE conversation_id = $1
       RETURNING event_version`,
      [conversationId],
    );
    return rows.length === 0 ? data : { ...data, version: Number(rows[0].event_version) };
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
