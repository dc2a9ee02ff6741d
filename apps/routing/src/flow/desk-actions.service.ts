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
type Out<K extends keyof RoutingOps> = RoutingOps[K]['out'];

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

  /** R3: the agents the holder could transfer this web-chat conversation to now (a read: no locks). */
  async transferTargets(
    d: In<'conversation.transfer-targets'>,
    tx: EntityManager,
  ): Promise<Out<'conversation.transfer-targets'>> {
    const c = await this.routed.find(tx, d.conversationId);
    if (!c) throw new DomainError('NOT_FOUND', 'no such conversation');
    const candidates = (await this.agents.findReachable(tx)).map((a) => ({
      agentId: a.id,
      name: a.name,
      status: statusOf(a),
      slots: agentSlots(a, this.config.MOBILE_SLOTS),
    }));
    const targets = RoutedConversation.transferTargets(c, d.agentId, candidates);
    const items = targets.map((t) => ({ id: t.agentId, name: t.name }));
    return { items: items.sort((x, y) => x.name.localeCompare(y.name) || x.id.localeCompare(y.id)) };
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
