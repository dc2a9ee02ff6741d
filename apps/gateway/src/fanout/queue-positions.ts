import { Injectable } from '@nestjs/common';
import {
  estimatedWaitSeconds,
  type Channel,
  type QueueUpdatedEvent,
  type RoutingEventData,
} from '@pupitre/shared';

type Snapshot = RoutingEventData<'queue.changed'>;

interface ChannelQueue {
  version: number;
  secondsPerAssignment: number | undefined;
  /** conversationId → its place. */
  places: Map<string, { visitorId: string | null; position: number }>;
  /** visitorId → their queued conversations. */
  byVisitor: Map<string, string[]>;
}

/**
 * Where each queued conversation stands, from routing's latest `queue.changed` per channel (newer
 * versions only), and what this instance last told each visitor: a snapshot costs one pass over the
 * queue's head, and `queue.updated` goes only to visitors with a socket here whose position changed.
 * `GET /v1/visitor/conversations` reads the same places, so it asks no service for them.
 */
@Injectable()
export class QueuePositions {
  private readonly channels = new Map<Channel, ChannelQueue>();
  /** conversationId → the position this instance last told the visitor's sockets. */
  private readonly told = new Map<string, number>();

  /**
   * Takes a snapshot; returns what to tell whom: the conversations that joined the queue or moved,
   * for the visitors `connectedHere` says have a socket on this instance.
   */
  apply(
    s: Snapshot,
    connectedHere: (visitorId: string) => boolean,
  ): { visitorId: string; update: QueueUpdatedEvent }[] {
    const previous = this.channels.get(s.channel);
    if (previous && previous.version >= s.version) return [];
    const next: ChannelQueue = {
      version: s.version,
      secondsPerAssignment: s.secondsPerAssignment,
      places: new Map(),
      byVisitor: new Map(),
    };
    s.queued.forEach(({ conversationId, visitorId }, i) => {
      next.places.set(conversationId, { visitorId, position: i + 1 });
      if (visitorId)
        next.byVisitor.set(visitorId, [...(next.byVisitor.get(visitorId) ?? []), conversationId]);
    });
    for (const id of previous?.places.keys() ?? []) if (!next.places.has(id)) this.told.delete(id);
    this.channels.set(s.channel, next);

    const updates: { visitorId: string; update: QueueUpdatedEvent }[] = [];
    for (const [conversationId, { visitorId, position }] of next.places) {
      if (!visitorId || !connectedHere(visitorId)) {
        this.told.delete(conversationId);
        continue;
      }
      if (this.told.get(conversationId) === position) continue;
      this.told.set(conversationId, position);
      updates.push({ visitorId, update: this.updateOf(next, conversationId, position) });
    }
    return updates;
  }

  /** A queued conversation's place, when the latest snapshot of its channel has it. */
  of(channel: Channel, conversationId: string): QueueUpdatedEvent | undefined {
    const queue = this.channels.get(channel);
    const place = queue?.places.get(conversationId);
    return queue && place ? this.updateOf(queue, conversationId, place.position) : undefined;
  }

  /** A visitor's queued conversations and their places (a socket just connected); recorded as told. */
  placesOf(visitorId: string): QueueUpdatedEvent[] {
    const found: QueueUpdatedEvent[] = [];
    for (const queue of this.channels.values()) {
      for (const conversationId of queue.byVisitor.get(visitorId) ?? []) {
        const position = queue.places.get(conversationId)!.position;
        this.told.set(conversationId, position);
        found.push(this.updateOf(queue, conversationId, position));
      }
    }
    return found;
  }

  /** Whether a snapshot of the channel has been seen (else positions are unknown here). */
  knows(channel: Channel): boolean {
    return this.channels.has(channel);
  }

  private updateOf(queue: ChannelQueue, conversationId: string, position: number): QueueUpdatedEvent {
    const estimate = estimatedWaitSeconds(position, queue.secondsPerAssignment);
    return {
      conversationId,
      position,
      ...(estimate === undefined ? {} : { estimatedWaitSeconds: estimate }),
    };
  }
}
