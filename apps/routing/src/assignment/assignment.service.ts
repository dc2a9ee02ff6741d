import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Cause, Channel, CHANNELS } from '@pupitre/shared';
import { AgentsRepository } from '../agents/agents.repository';
import type { RoutingConfig } from '../config/env.validation';
import { deadlinesDto, RoutingEventsEmitter } from '../events/routing-events.emitter';
import { ROUTING_CONFIG, timeoutsOf } from '../routing.config';
import { deadlinesOf } from '../timeouts/domain/deadlines';
import { matchQueue } from './domain/match-queue';
import { RoutedConversationsRepository, RoutedRow } from './routed-conversations.repository';

const QUEUE_BATCH = 500;

/**
 * Matches the queue to free slots. Every change that can raise an agent's slot count runs under its
 * channel's transaction-scoped advisory lock, taken before any row lock: with any number of routing
 * instances, no agent goes above capacity and the lock order cannot deadlock.
 */
@Injectable()
export class AssignmentService {
  private readonly logger = new Logger(AssignmentService.name);
  private readonly running = new Map<Channel, Promise<void>>();
  private readonly again = new Set<Channel>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly routed: RoutedConversationsRepository,
    private readonly agents: AgentsRepository,
    private readonly events: RoutingEventsEmitter,
    @Inject(ROUTING_CONFIG) private readonly config: RoutingConfig,
  ) {}

  async lockChannel(tx: EntityManager, channel: Channel): Promise<void> {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`routing.slots.${channel}`]);
  }

  /**
   * For a change of who is reachable (connect, disconnect, away): no matching round can be between
   * reading the reachable agents and assigning, so nobody receives a conversation as they leave.
   */
  async lockAllChannels(tx: EntityManager): Promise<void> {
    for (const channel of CHANNELS) await this.lockChannel(tx, channel);
  }

  /** Runs a matching round soon, once per burst of triggers; the sweeper is the safety net. */
  kick(channels: Iterable<Channel>): void {
    for (const channel of channels) {
      if (this.running.has(channel)) {
        this.again.add(channel);
        continue;
      }
      const run = (async () => {
        do {
          this.again.delete(channel);
          await this.assignPending(channel, new Date()).catch((err: Error) =>
            this.logger.warn(`assignment round (${channel}) failed, the sweeper retries: ${err.message}`),
          );
        } while (this.again.has(channel));
      })().finally(() => this.running.delete(channel));
      this.running.set(channel, run);
    }
  }

  async assignPending(channel: Channel, now: Date, cause?: Cause): Promise<number> {
    return this.dataSource.transaction(async (tx) => {
      await this.lockChannel(tx, channel);
      return this.assignPendingLocked(tx, channel, now, cause);
    });
  }

  /** The caller holds the channel lock. Returns how many conversations were assigned. */
  async assignPendingLocked(tx: EntityManager, channel: Channel, now: Date, cause?: Cause): Promise<number> {
    const queue = await this.routed.findQueued(tx, channel, QUEUE_BATCH);
    if (queue.length === 0) return 0;
    const reachable = await this.agents.findReachable(tx);
    if (reachable.length === 0) return 0;
    const assignments = matchQueue(
      queue.map((q) => ({
        conversationId: q.conversation_id,
        channel,
        queuedAt: q.queued_at!,
        excludeAgentId: q.exclude_agent_id,
        excludeUntil: q.exclude_until,
      })),
      reachable.map((a) => ({
        agentId: a.id,
        status: 'available' as const,
        slots: this.events.slotsOf(a),
        lastAssignedAt: a.last_assigned_at,
      })),
      now,
    );
    const touched = new Set<string>();
    let assigned = 0;
    for (const a of assignments) {
      const row = await this.routed.assign(tx, a.conversationId, a.agentId, now);
      if (!row) continue;
      await this.startClock(tx, row, cause, now, a.reason);
      this.logger.log(`assigned ${a.conversationId} (${channel}) to ${a.agentId}: ${a.reason}`);
      touched.add(a.agentId);
      assigned++;
    }
    if (touched.size > 0) {
      await this.agents.touchAssigned(tx, [...touched], now);
      for (const id of touched) await this.events.slotsChanged(tx, id, now, cause);
    }
    return assigned;
  }

  /** A new holder: R9/R10 clocks start now; the desk learns when it would move or close. */
  async startClock(
    tx: EntityManager,
    row: RoutedRow,
    cause: Cause | undefined,
    now: Date,
    explanation: string,
  ): Promise<void> {
    const due = this.refreshDeadlines(row);
    await this.routed.save(tx, row);
    await this.events.emit(
      tx,
      row.conversation_id,
      'conversation.assigned',
      {
        conversationId: row.conversation_id,
        channel: row.channel,
        agentId: row.agent_id!,
        assignedAt: row.assigned_at!.toISOString(),
        deadlines: deadlinesDto(due),
        explanation,
      },
      now,
      cause,
    );
  }

  /** Recomputes the row's due dates from its timeline (R9, R10, R11); true when they changed. */
  refreshDeadlines(row: RoutedRow) {
    const due = deadlinesOf(
      {
        status: row.status,
        assignedAt: row.assigned_at,
        hasAgentMessage: row.has_agent_message,
        lastMessageAuthor: row.last_author,
        lastVisitorMessageAt: row.last_visitor_message_at,
        lastAgentMessageAt: row.last_agent_message_at,
      },
      timeoutsOf(this.config),
    );
    const changed =
      row.reassign_at?.getTime() !== due.reassignAt?.getTime() ||
      row.close_at?.getTime() !== due.closeAt?.getTime();
    row.reassign_at = due.reassignAt;
    row.reassign_reason = due.reassignReason;
    row.close_at = due.closeAt;
    return { ...due, changed };
  }
}
