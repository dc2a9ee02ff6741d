import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Cause } from '@pupitre/shared';
import type { RoutingConfig } from '../config/env.validation';
import { ROUTING_CONFIG } from '../config/routing.config';
import { RoutingEventsEmitter } from '../events';
import { agentSlots } from './agent-view';
import { AgentsRepository } from './agents.repository';

/** Tells the desk an agent's slot counts after a change (R4), one event per agent. */
@Injectable()
export class SlotsChangedNotifier {
  constructor(
    private readonly agents: AgentsRepository,
    private readonly events: RoutingEventsEmitter,
    @Inject(ROUTING_CONFIG) private readonly config: RoutingConfig,
  ) {}

  /**
   * The counts as this transaction sees them. Not under the agent's row lock: callers lock agents
   * in different orders (a matching round, a sweep, a close), and locking here deadlocked.
   */
  async notify(tx: EntityManager, agentIds: Iterable<string>, now: Date, cause?: Cause): Promise<void> {
    for (const agentId of new Set(agentIds)) {
      const agent = await this.agents.find(tx, agentId);
      if (!agent) continue;
      await this.events.emit(
        tx,
        agent.id,
        'agent.slots-changed',
        { agentId: agent.id, slots: agentSlots(agent, this.config.MOBILE_SLOTS) },
        now,
        cause,
      );
    }
  }
}
