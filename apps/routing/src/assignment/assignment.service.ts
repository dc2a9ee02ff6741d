import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Cause, Channel, Clock, CLOCK } from '@pupitre/shared';
import { agentSlots, AgentsRepository, SlotsChangedNotifier } from '../agents';
import type { RoutingConfig } from '../config/env.validation';
import { ROUTING_CONFIG, timeoutsOf } from '../config/routing.config';
import { RoutedConversation, RoutedConversationsRepository } from '../conversations';
import { RoutingEventsEmitter } from '../events';
import { matchQueue } from '../queue';
import { ChannelLocks } from './channel-locks';
import { QueueSnapshotPublisher } from './queue-snapshot.publisher';

const QUEUE_BATCH = 500;

/** Matches the queue to free slots (readings "Queue" and "Who gets it"), under the channel's lock. */
@Injectable()
export class AssignmentService {
  private readonly logger = new Logger(AssignmentService.name);
  private readonly running = new Map<Channel, Promise<void>>();
  private readonly again = new Set<Channel>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly routed: RoutedConversationsRepository,
    private readonly agents: AgentsRepository,
    private readonly slots: SlotsChangedNotifier,
    private readonly events: RoutingEventsEmitter,
    private readonly locks: ChannelLocks,
    private readonly snapshots: QueueSnapshotPublisher,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ROUTING_CONFIG) private readonly config: RoutingConfig,
  ) {}

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
          await this.assignPending(channel, this.clock.now()).catch((err: Error) =>
            this.logger.warn(`assignment round (${channel}) failed, the sweeper retries: ${err.message}`),
          );
        } while (this.again.has(channel));
      })().finally(() => this.running.delete(channel));
      this.running.set(channel, run);
    }
  }

  async assignPending(channel: Channel, now: Date, cause?: Cause): Promise<number> {
    return this.dataSource.transaction(async (tx) => {
      await this.locks.lock(tx, channel);
      return this.assignPendingLocked(tx, channel, now, cause);
    });
  }

  /**
   * The caller holds the channel lock. Returns how many conversations were assigned. The queue left
   * is published when it changed (QueueSnapshotPublisher), in the same transaction.
   */
  async assignPendingLocked(tx: EntityManager, channel: Channel, now: Date, cause?: Cause): Promise<number> {
    const queue = await this.routed.findQueued(tx, channel, QUEUE_BATCH);
    const assigned =
      queue.length === 0 ? new Set<string>() : await this.match(tx, channel, queue, now, cause);
    const left = queue.filter((q) => !assigned.has(q.conversationId));
    await this.snapshots.publishIfChanged(tx, channel, left, assigned.size, now, cause);
    return assigned.size;
  }

  /** Matches the queue's head to free slots; returns the ids assigned. */
  private async match(
    tx: EntityManager,
    channel: Channel,
    queue: RoutedConversation[],
    now: Date,
    cause?: Cause,
  ): Promise<Set<string>> {
    const reachable = await this.agents.findReachable(tx);
    if (reachable.length === 0) return new Set();
    const assignments = matchQueue(
      queue.map((q) => ({
        conversationId: q.conversationId,
        channel,
        queuedAt: q.queuedAt!,
        excludeAgentId: q.excludeAgentId,
        excludeUntil: q.excludeUntil,
      })),
      reachable.map((a) => ({
        agentId: a.id,
        status: 'available' as const,
        slots: agentSlots(a, this.config.MOBILE_SLOTS),
        lastAssignedAt: a.last_assigned_at,
      })),
      now,
    );
    const claimed = new Map(
      (
        await this.routed.claimQueued(
          tx,
          assignments.map((a) => a.conversationId),
        )
      ).map((c) => [c.state.conversationId, c]),
    );
    const done = assignments.flatMap((a) => {
      const c = claimed.get(a.conversationId)?.state;
      return c
        ? [{ a, t: RoutedConversation.assign(c, a.agentId, a.reason, now, timeoutsOf(this.config)) }]
        : [];
    });
    if (done.length === 0) return new Set();
    // The states, their event counters and their events in one statement, the counters numbered
    // from the claimed rows (locked by the claim).
    const all = done.map(({ a, t }) => ({ key: a.conversationId, events: t.events, now, cause }));
    await this.events.emitWith(
      tx,
      this.routed.saveStatement(
        done.map(({ t }) => t.state),
        this.events.versionCounts(all),
      ),
      all,
      new Map([...claimed].map(([id, c]) => [id, c.eventVersion])),
    );
    for (const { a } of done) {
      this.logger.log(`assigned ${a.conversationId} (${channel}) to ${a.agentId}: ${a.reason}`);
    }
    const touched = [...new Set(done.flatMap(({ t }) => t.slotsChangedFor))];
    await this.agents.touchAssigned(tx, touched, now);
    await this.slots.notify(tx, touched, now, cause);
    return new Set(done.map(({ a }) => a.conversationId));
  }
}
