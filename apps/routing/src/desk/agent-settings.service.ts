import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AgentView, DomainError, RequestMeta, RoutingOps } from '@pupitre/shared';
import { AgentsRepository, SlotsChangedNotifier, toAgentView } from '../agents';
import { AssignmentService } from '../assignment';
import type { RoutingConfig } from '../config/env.validation';
import { ROUTING_CONFIG } from '../config/routing.config';
import { refuseMobileCapacity } from '../slots';

type In<K extends keyof RoutingOps> = RoutingOps[K]['in'];

const causeOf = (m: RequestMeta) => ({ eventId: m.requestId, correlationId: m.correlationId });

/** What an admin changes on an agent: the name and the chat capacity (R4), never the mobile one (R5). */
@Injectable()
export class AgentSettingsService {
  constructor(
    private readonly agents: AgentsRepository,
    private readonly slots: SlotsChangedNotifier,
    private readonly assignment: AssignmentService,
    @Inject(ROUTING_CONFIG) private readonly config: RoutingConfig,
  ) {}

  /** A raised chat capacity frees slots: the queue gets a matching round ("Queue"). */
  async update(d: In<'agent.update'>, tx: EntityManager, meta: RequestMeta): Promise<AgentView> {
    refuseMobileCapacity(d);
    if (!(await this.agents.lock(tx, d.agentId))) throw new DomainError('NOT_FOUND', 'no such agent');
    const before = (await this.agents.find(tx, d.agentId))!;
    await this.agents.update(tx, d.agentId, d);
    const agent = (await this.agents.find(tx, d.agentId))!;
    if (agent.chat_capacity !== before.chat_capacity) {
      await this.slots.notify(tx, [agent.id], meta.now, causeOf(meta));
      meta.afterCommit(() => this.assignment.kick(['web_chat']));
    }
    return toAgentView(agent, this.config.MOBILE_SLOTS);
  }
}
