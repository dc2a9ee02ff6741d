import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Channel } from '@pupitre/shared';
import { AgentsRepository, SlotsChangedNotifier } from '../agents';
import { AssignmentService, ChannelLocks } from '../assignment';
import type { RoutingConfig } from '../config/env.validation';
import { ROUTING_CONFIG, timeoutsOf } from '../config/routing.config';
import { RoutedConversation, RoutedConversationsRepository } from '../conversations';
import { RoutingEventsEmitter } from '../events';

const BATCH = 100;

/** R9/R10 sweep: overdue conversations are taken away, then matched to another agent when one is available. */
@Injectable()
export class ReassignmentSweep {
  constructor(
    private readonly dataSource: DataSource,
    private readonly routed: RoutedConversationsRepository,
    private readonly agents: AgentsRepository,
    private readonly slots: SlotsChangedNotifier,
    private readonly locks: ChannelLocks,
    private readonly assignment: AssignmentService,
    private readonly events: RoutingEventsEmitter,
    @Inject(ROUTING_CONFIG) private readonly config: RoutingConfig,
  ) {}

  /** Returns how many conversations were taken away. */
  async reassignDue(channel: Channel, now: Date): Promise<number> {
    return this.dataSource.transaction(async (tx) => {
      await this.locks.lock(tx, channel);
      const due = await this.routed.claimDueReassignments(tx, channel, now, BATCH);
      if (due.length === 0) return 0;
      const taken = due.map((c) =>
        RoutedConversation.takeAway(c, c.reassignReason!, now, timeoutsOf(this.config)),
      );
      await this.routed.saveAll(
        tx,
        taken.map((t) => t.state),
      );
      await this.events.emitMany(
        tx,
        taken.map((t) => ({ key: t.state.conversationId, events: t.events, now })),
      );
      await this.slots.notify(
        tx,
        taken.flatMap((t) => t.slotsChangedFor),
        now,
      );
      // Another agent first; whatever finds none waits (exclusionEnds) and may later return.
      await this.assignment.assignPendingLocked(tx, channel, now);
      return taken.length;
    });
  }
}
