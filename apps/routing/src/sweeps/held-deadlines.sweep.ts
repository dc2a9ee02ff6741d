import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RoutedConversation, RoutedConversationsRepository } from '../conversations';
import { RoutingEventsEmitter } from '../events';

const BATCH = 500;

/**
 * Publishes the R10 moves that visitor messages held (RoutedConversation.onVisitorMessage): each
 * held conversation's deadlines as they are now, one event whatever the number of moves since the
 * last. Batches of one transaction each (lock, write with the event counters, one outbox insert)
 * until none is left; safe in several instances (SKIP LOCKED).
 */
@Injectable()
export class HeldDeadlinesSweep {
  constructor(
    private readonly dataSource: DataSource,
    private readonly routed: RoutedConversationsRepository,
    private readonly events: RoutingEventsEmitter,
  ) {}

  /** Returns how many conversations were published. */
  async publishHeld(now: Date): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.dataSource.transaction(async (tx) => {
        const held = await this.routed.lockHeldDeadlines(tx, BATCH);
        const all = held.map((c) => RoutedConversation.publishHeld(c));
        const events = all
          .filter((t) => t.events.length > 0)
          .map((t) => ({ key: t.state.conversationId, events: t.events, now }));
        const bumped = await this.routed.saveAll(
          tx,
          all.map((t) => t.state),
          this.events.versionCounts(events),
        );
        await this.events.emitMany(tx, events, bumped);
        return held.length;
      });
      total += n;
      if (n < BATCH) return total;
    }
  }
}
