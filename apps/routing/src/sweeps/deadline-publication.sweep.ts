import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock, CLOCK } from '@pupitre/shared';
import type { RoutingConfig } from '../config/env.validation';
import { ROUTING_CONFIG, timeoutsOf } from '../config/routing.config';
import { RoutedConversation, RoutedConversationsRepository } from '../conversations';
import { RoutingEventsEmitter } from '../events';

const BATCH = 500;

/**
 * At every sweep (SweepsService), publishes the deadlines of the conversations marked for it
 * (`routed_conversations.deadlines_unpublished`), as they are now, with R10's window while it runs.
 * Routing's own transitions no longer mark any (R10's moves are not published:
 * RoutedConversation.onVisitorMessage); an upgrade does: migration PublishResponseWindows marks the
 * conversations whose R10 runs, so that conversation's copy and the gateways learn its window (an
 * older instance left running beside this one would mark its moves too: docs/operations.md says to
 * replace them together). One pass in conversation id order, in batches of one transaction each
 * (claim, write with the event counters, one outbox insert), each stamped with the time it runs.
 * Safe in several instances (SKIP LOCKED). With nothing marked, one statement on an empty partial
 * index.
 */
@Injectable()
export class DeadlinePublicationSweep {
  constructor(
    private readonly dataSource: DataSource,
    private readonly routed: RoutedConversationsRepository,
    private readonly events: RoutingEventsEmitter,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ROUTING_CONFIG) private readonly config: RoutingConfig,
  ) {}

  /** Returns how many conversations were published. */
  async publishDeadlines(): Promise<number> {
    let total = 0;
    let after: string | null = null;
    for (;;) {
      const marked = await this.dataSource.transaction(async (tx) => {
        const now = this.clock.now();
        const locked = await this.routed.claimMarkedDeadlines(tx, after, BATCH);
        const all = locked.map((c) => RoutedConversation.publishDeadlines(c, timeoutsOf(this.config)));
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
