import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { type Cause, queryPrepared } from '@pupitre/shared';
import type { RoutingConfig } from '../config/env.validation';
import { ROUTING_CONFIG } from '../config/routing.config';
import { RoutingEventsEmitter } from '../events';
import { agentSlots } from './agent-view';
import { AgentsRepository } from './agents.repository';

/** When an agent's slots changed, and why: the time and cause its event carries. */
export interface SlotsChange {
  now: Date;
  cause?: Cause;
}

/** Tells the desk an agent's slot counts after a change (R4), one event per agent. */
@Injectable()
export class SlotsChangedNotifier {
  constructor(
    private readonly agents: AgentsRepository,
    private readonly events: RoutingEventsEmitter,
    @Inject(ROUTING_CONFIG) private readonly config: RoutingConfig,
  ) {}

  /**
   * Each agent's version is bumped first: the row lock on `agent_slot_versions` (a table nothing else
   * locks, taken in id order) orders concurrent notifications of one agent by commit, and the counts,
   * read by the next statement, then include every change committed before. So a higher version
   * always carries counts at least as recent, and the gateway drops an older one that arrives late.
   * Not under the agent's own row lock: callers lock agents in different orders, and that deadlocked.
   */
  async notify(tx: EntityManager, agentIds: Iterable<string>, now: Date, cause?: Cause): Promise<void> {
    await this.notifyEach(tx, new Map([...agentIds].map((id) => [id, { now, cause }])));
  }

  /**
   * As `notify`, each agent's event with the time and cause of its own last change (a batch of
   * conversation events: RoutedUnitOfWork). Three statements however many agents (four each before).
   */
  async notifyEach(tx: EntityManager, changes: ReadonlyMap<string, SlotsChange>): Promise<void> {
    const ids = [...changes.keys()].sort();
    if (ids.length === 0) return;
    const versions = await this.bump(tx, ids);
    const agents = await this.agents.findMany(tx, ids);
    await this.events.emitMany(
      tx,
      agents.map((agent) => {
        const { now, cause } = changes.get(agent.id)!;
        return {
          key: agent.id,
          events: [
            {
              type: 'agent.slots-changed' as const,
              data: {
                agentId: agent.id,
                slots: agentSlots(agent, this.config.MOBILE_SLOTS),
                version: versions.get(agent.id)!,
              },
            },
          ],
          now,
          cause,
        };
      }),
    );
  }

  /** The agent's last slot version (0 before any change). */
  async versionOf(tx: EntityManager, agentId: string): Promise<number> {
    const rows: { version: string }[] = await tx.query(
      'SELECT version FROM agent_slot_versions WHERE agent_id = $1',
      [agentId],
    );
    return rows[0] ? Number(rows[0].version) : 0;
  }

  /** Each agent's next version, the rows locked in id order (one multi-row upsert). */
  private async bump(tx: EntityManager, agentIds: string[]): Promise<Map<string, number>> {
    const rows: { agent_id: string; version: string }[] = await queryPrepared(
      tx,
      `INSERT INTO agent_slot_versions (agent_id, version)
       SELECT id, 1 FROM unnest($1::uuid[]) AS u (id) ORDER BY id
       ON CONFLICT (agent_id) DO UPDATE SET version = agent_slot_versions.version + 1
       RETURNING agent_id, version`,
      [agentIds],
    );
    return new Map(rows.map((r) => [r.agent_id, Number(r.version)]));
  }
}
