import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  Cause,
  Deadlines,
  envelope,
  Outbox,
  ROUTING_EVENTS,
  RoutingEventData,
  RoutingEventType,
  Slots,
} from '@pupitre/shared';
import { AgentRow, AgentsRepository } from '../agents/agents.repository';
import type { RoutingConfig } from '../config/env.validation';
import { ROUTING_CONFIG } from '../routing.config';
import type { DueDates } from '../timeouts/domain/deadlines';

/** Everything routing tells the others goes through here, into the outbox of the caller's transaction. */
@Injectable()
export class RoutingEventsEmitter {
  constructor(
    private readonly outbox: Outbox,
    private readonly agents: AgentsRepository,
    @Inject(ROUTING_CONFIG) private readonly config: RoutingConfig,
  ) {}

  async emit<T extends RoutingEventType>(
    tx: EntityManager,
    key: string,
    type: T,
    data: RoutingEventData<T>,
    now: Date,
    cause?: Cause,
  ): Promise<void> {
    // The union of envelopes cannot be narrowed from a generic T; `type` and `data` are tied above.
    await this.outbox.add(tx, ROUTING_EVENTS, key, envelope(type, data, now, cause) as never);
  }

  slotsOf(agent: AgentRow): Slots {
    return {
      chat: { used: agent.chat_used, capacity: agent.chat_capacity },
      mobile: { used: agent.mobile_used, capacity: this.config.MOBILE_SLOTS },
    };
  }

  /**
   * The agent's counts as this transaction sees them. Not under the agent's row lock: callers lock
   * agents in different orders (a matching round, a sweep, a close), and locking here deadlocked.
   */
  async slotsChanged(tx: EntityManager, agentId: string, now: Date, cause?: Cause): Promise<void> {
    const agent = await this.agents.find(tx, agentId);
    if (!agent) return;
    await this.emit(
      tx,
      agent.id,
      'agent.slots-changed',
      { agentId: agent.id, slots: this.slotsOf(agent) },
      now,
      cause,
    );
  }
}

export function deadlinesDto(d: Pick<DueDates, 'reassignAt' | 'closeAt'>): Deadlines {
  return {
    ...(d.reassignAt ? { reassignAt: d.reassignAt.toISOString() } : {}),
    ...(d.closeAt ? { closeAt: d.closeAt.toISOString() } : {}),
  };
}
