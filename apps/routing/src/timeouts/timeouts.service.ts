import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CHANNELS, Channel } from '@pupitre/shared';
import { AssignmentService } from '../assignment/assignment.service';
import { exclusionEnds } from '../assignment/domain/exclusion';
import { RoutedConversationsRepository } from '../assignment/routed-conversations.repository';
import type { RoutingConfig } from '../config/env.validation';
import { RoutingEventsEmitter } from '../events/routing-events.emitter';
import { ROUTING_CONFIG, timeoutsOf } from '../routing.config';

const BATCH = 100;

/**
 * The sweeps: R9/R10 take overdue conversations away (to another agent when one is available),
 * R11 asks conversation to close inactive ones, and the queue gets a matching round in case a
 * trigger was lost. Safe in several instances: channel lock + SKIP LOCKED + conditional updates.
 */
@Injectable()
export class TimeoutsService {
  private readonly logger = new Logger(TimeoutsService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly routed: RoutedConversationsRepository,
    private readonly assignment: AssignmentService,
    private readonly events: RoutingEventsEmitter,
    @Inject(ROUTING_CONFIG) private readonly config: RoutingConfig,
  ) {}

  /** `deadlines: false` while routing's view of the messages is still catching up (after a start). */
  async sweep(now: Date, { deadlines }: { deadlines: boolean }): Promise<void> {
    if (deadlines) {
      for (const channel of CHANNELS)
        await this.guard(`reassignment (${channel})`, () => this.reassignDue(channel, now));
      await this.guard('inactivity closes', () => this.closeDue(now));
    }
    for (const channel of CHANNELS)
      await this.guard(`queue (${channel})`, () => this.assignment.assignPending(channel, now));
  }

  /** R9/R10: returns how many conversations were taken away. */
  async reassignDue(channel: Channel, now: Date): Promise<number> {
    return this.dataSource.transaction(async (tx) => {
      await this.assignment.lockChannel(tx, channel);
      // Both reasons keep the same wait (exclusionEnds): one date for the whole batch.
      const excludeUntil = exclusionEnds('first_response_timeout', now, timeoutsOf(this.config));
      const taken = await this.routed.takeAwayDue(tx, channel, now, BATCH, excludeUntil);
      if (taken.length === 0) return 0;
      for (const t of taken) {
        await this.events.emit(
          tx,
          t.conversation_id,
          'conversation.unassigned',
          {
            conversationId: t.conversation_id,
            channel,
            agentId: t.agent_id,
            reason: t.reason,
            next: 'queued',
          },
          now,
        );
        await this.events.emit(
          tx,
          t.conversation_id,
          'conversation.queued',
          {
            conversationId: t.conversation_id,
            channel,
            queuedAt: now.toISOString(),
          },
          now,
        );
      }
      for (const agentId of new Set(taken.map((t) => t.agent_id))) {
        await this.events.slotsChanged(tx, agentId, now);
      }
      // Another agent first; whatever finds none waits (exclusionEnds) and may later return.
      await this.assignment.assignPendingLocked(tx, channel, now);
      return taken.length;
    });
  }

  /** R11: routing notices, conversation closes (it checks again that the visitor stayed silent). */
  async closeDue(now: Date): Promise<number> {
    return this.dataSource.transaction(async (tx) => {
      const due = await this.routed.claimDueCloses(tx, now, BATCH);
      for (const d of due) {
        await this.events.emit(
          tx,
          d.conversation_id,
          'conversation.close-due',
          {
            conversationId: d.conversation_id,
            reason: 'inactivity',
            dueAt: d.close_at.toISOString(),
            lastAgentMessageAt: d.last_agent_message_at.toISOString(),
          },
          now,
        );
      }
      return due.length;
    });
  }

  /** One failing step is logged and the sweep goes on; the next tick tries again. */
  private async guard(what: string, step: () => Promise<unknown>): Promise<void> {
    try {
      await step();
    } catch (err) {
      this.logger.error(`sweep step ${what} failed: ${(err as Error).message}`);
    }
  }
}
