import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock, CLOCK } from '@pupitre/shared';
import { RoutedConversation, RoutedConversationsRepository } from '../conversations';
import { RoutingEventsEmitter } from '../events';

const BATCH = 500;

/**
 * At every sweep (SweepsService), publishes the R10 moves that visitor messages left unpublished
 * (RoutedConversation.onVisitorMessage): each marked conversation's deadlines as they are now, one
 * event whatever the number of moves since the last. One pass in conversation id order, in batches
 * of one transaction each (lock, write with the event counters, one outbox insert), each stamped
 * with the time it runs; a conversation marked again behind the pass waits for the next sweep. Safe
 * in several instances (SKIP LOCKED).
 */
@Injectable()
export class DeadlinePublicationSweep {
  constructor(
    private readonly dataSource: DataSource,
    private readonly routed: RoutedConversationsRepository,
    private readonly events: RoutingEventsEmitter,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Returns how many conversations were published. */
  async publishDeadlines(): Promise<number> {
    let total = 0;
    let after: string | null = null;
    for (;;) {
      const marked = await this.dataSource.transaction(async (tx) => {
        const now = this.clock.now();
        const locked = await this.routed.lockUnpublishedDeadlines(tx, after, BATCH);
        const all = locked.map((c) => RoutedConversation.publishDeadlines(c));
        const events = all
          .filter((t) => t.events.length > 0)
          .map((t) => ({ key: t.state.conversationId, events: t.events, now }));
        const bumped = await this.routed.saveAll(
          tx,
          all.map((t) => t.state),
          this.events.versionCounts(events),
        );
        await this.events.emitMany(tx, events, bumped);
        return locked;
      });
      total += marked.length;
      if (marked.length < BATCH) return total;
      after = marked[marked.length - 1].conversationId;
    }
  }
}
