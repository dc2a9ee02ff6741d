import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Cause, DomainError, RoutingOps } from '@pupitre/shared';
import { agentSlots, AgentsRepository, SlotsChangedNotifier, statusOf } from '../agents';
import { AssignmentService, ChannelLocks } from '../assignment';
import type { RoutingConfig } from '../config/env.validation';
import { ROUTING_CONFIG, timeoutsOf } from '../config/routing.config';
import { RoutedConversation, RoutedConversationsRepository, Transition } from '../conversations';
import { RoutingEventsEmitter } from '../events';

type In<K extends keyof RoutingOps> = RoutingOps[K]['in'];

/** What the holding agent does with a conversation: release it (R6–R8) or transfer it (R3). */
@Injectable()
export class DeskActionsService {
  constructor(
    private readonly routed: RoutedConversationsRepository,
    private readonly agents: AgentsRepository,
    private readonly slots: SlotsChangedNotifier,
    private readonly locks: ChannelLocks,
    private readonly assignment: AssignmentService,
    private readonly events: RoutingEventsEmitter,
    @Inject(ROUTING_CONFIG) private readonly config: RoutingConfig,
  ) {}

  /** R7: back in the queue, it is matched in this same transaction, to someone else first. */
  async release(d: In<'conversation.release'>, tx: EntityManager, now: Date, cause: Cause): Promise<void> {
    const c = await this.loadLocked(tx, d.conversationId);
    const t = RoutedConversation.release(c, d.agentId, now, timeoutsOf(this.config));
    await this.apply(tx, t, now, cause);
    if (t.state.status === 'queued') await this.assignment.assignPendingLocked(tx, c.channel, now, cause);
  }

  async transfer(d: In<'conversation.transfer'>, tx: EntityManager, now: Date, cause: Cause): Promise<void> {
    const c = await this.loadLocked(tx, d.conversationId);
    const target = await this.agents.find(tx, d.toAgentId);
    const t = RoutedConversation.transfer(
      c,
      d.agentId,
      target && {
        agentId: target.id,
        status: statusOf(target),
        slots: agentSlots(target, this.config.MOBILE_SLOTS),
      },
      now,
      timeoutsOf(this.config),
    );
    await this.apply(tx, t, now, cause);
    await this.agents.touchAssigned(tx, [d.toAgentId], now);
  }

  /** The channel lock first (lock order), then the row. */
  private async loadLocked(tx: EntityManager, conversationId: string): Promise<RoutedConversation> {
    const peek = await this.routed.find(tx, conversationId);
    if (!peek) throw new DomainError('NOT_FOUND', 'no such conversation');
    await this.locks.lock(tx, peek.channel);
    return (await this.routed.find(tx, conversationId, true))!;
  }

  private async apply(tx: EntityManager, t: Transition, now: Date, cause: Cause): Promise<void> {
    await this.routed.save(tx, t.state);
    await this.events.emitAll(tx, t.state.conversationId, t.events, now, cause);
    await this.slots.notify(tx, t.slotsChangedFor, now, cause);
  }
}
