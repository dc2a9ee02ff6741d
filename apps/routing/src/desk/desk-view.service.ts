import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DomainError, RoutingOps } from '@pupitre/shared';
import { AgentsRepository, SlotsChangedNotifier, toAgentView } from '../agents';
import type { RoutingConfig } from '../config/env.validation';
import { ROUTING_CONFIG, timeoutsOf } from '../config/routing.config';
import { publishedDeadlines, RoutedConversationsRepository } from '../conversations';

type In<K extends keyof RoutingOps> = RoutingOps[K]['in'];
type Out<K extends keyof RoutingOps> = RoutingOps[K]['out'];

/** The desk's state, read from routing, the owner of assignments (conversation's projection may lag). */
@Injectable()
export class DeskViewService {
  constructor(
    private readonly agents: AgentsRepository,
    private readonly routed: RoutedConversationsRepository,
    private readonly slots: SlotsChangedNotifier,
    @Inject(ROUTING_CONFIG) private readonly config: RoutingConfig,
  ) {}

  /**
   * The slot version is read before the counts: they, read by the next statement, include every
   * change committed up to that version, so the gateway can drop an older `agent.slots-changed`.
   */
  async desk(d: In<'agent.desk'>, tx: EntityManager): Promise<Out<'agent.desk'>> {
    const slotsVersion = await this.slots.versionOf(tx, d.agentId);
    const agent = await this.agents.find(tx, d.agentId);
    if (!agent) throw new DomainError('NOT_FOUND', 'no such agent');
    const timeouts = timeoutsOf(this.config);
    const held = (await this.routed.findHeldBy(tx, d.agentId)).map((c) => ({
      conversationId: c.conversationId,
      assignedAt: c.assignedAt!.toISOString(),
      ...publishedDeadlines(c, timeouts),
      version: c.version,
    }));
    return { agent: toAgentView(agent, this.config.MOBILE_SLOTS), held, slotsVersion };
  }
}
