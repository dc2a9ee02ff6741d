import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AgentView, CHANNELS, DomainError, RequestMeta, RoutingOps } from '@pupitre/shared';
import { AgentRow, AgentsRepository, changesChoice, statusOf, toAgentView } from '../agents';
import { AssignmentService, ChannelLocks } from '../assignment';
import type { RoutingConfig } from '../config/env.validation';
import { ROUTING_CONFIG } from '../config/routing.config';

type In<K extends keyof RoutingOps> = RoutingOps[K]['in'];

/**
 * An agent's presence at the desk (reading "Available agent"): connections and away. Each change
 * holds every channel's lock; an agent who becomes available gets a matching round ("Queue").
 */
@Injectable()
export class PresenceService {
  constructor(
    private readonly agents: AgentsRepository,
    private readonly locks: ChannelLocks,
    private readonly assignment: AssignmentService,
    @Inject(ROUTING_CONFIG) private readonly config: RoutingConfig,
  ) {}

  /** A desk socket opened: the agent is available unless they chose away; an old token is refused. */
  async connect(d: In<'desk.connect'>, tx: EntityManager, meta: RequestMeta): Promise<AgentView> {
    await this.locks.lockAll(tx);
    if (!(await this.agents.lock(tx, d.agentId))) throw new DomainError('UNAUTHENTICATED', 'unknown agent');
    const before = await this.mustFind(tx, d.agentId);
    if (before.token_version !== d.tokenVersion)
      throw new DomainError('UNAUTHENTICATED', 'this desk token has been replaced');
    await this.agents.addConnection(tx, {
      connectionId: d.connectionId,
      agentId: d.agentId,
      gatewayInstance: d.gatewayInstance,
      at: meta.now,
    });
    return this.presenceChanged(tx, before, meta);
  }

  /** Disconnect: the agent keeps their conversations; they receive nothing new while offline. */
  async disconnect(
    d: In<'desk.disconnect'>,
    tx: EntityManager,
    meta: RequestMeta,
  ): Promise<Record<string, never>> {
    await this.locks.lockAll(tx);
    if (!(await this.agents.lock(tx, d.agentId))) return {};
    const before = await this.mustFind(tx, d.agentId);
    await this.agents.removeConnection(tx, d.connectionId);
    await this.presenceChanged(tx, before, meta);
    return {};
  }

  /**
   * A status the agent already chose is answered from a plain read: no channel lock (which every
   * assignment waits for), no row lock, no matching round, so a flood of them costs routing one query
   * each. Safe without locks: `away` is all this writes, and writing the value it has changes nothing.
   */
  async setStatus(d: In<'agent.set-status'>, tx: EntityManager, meta: RequestMeta): Promise<AgentView> {
    const current = await this.mustFind(tx, d.agentId);
    if (!changesChoice(current, d.status)) return toAgentView(current, this.config.MOBILE_SLOTS);
    await this.locks.lockAll(tx);
    if (!(await this.agents.lock(tx, d.agentId))) throw new DomainError('NOT_FOUND', 'no such agent');
    const before = await this.mustFind(tx, d.agentId);
    await this.agents.setAway(tx, d.agentId, d.status === 'away');
    return this.presenceChanged(tx, before, meta);
  }

  /** A restarted gateway's old sockets are gone: their agents lose those connections. */
  async instanceStarted(d: In<'desk.instance-started'>, tx: EntityManager): Promise<Record<string, never>> {
    await this.locks.lockAll(tx);
    await this.agents.removeConnectionsOf(tx, d.gatewayInstance);
    return {};
  }

  private async presenceChanged(tx: EntityManager, before: AgentRow, meta: RequestMeta): Promise<AgentView> {
    const agent = await this.mustFind(tx, before.id);
    if (statusOf(agent) !== statusOf(before) && statusOf(agent) === 'available')
      meta.afterCommit(() => this.assignment.kick(CHANNELS));
    return toAgentView(agent, this.config.MOBILE_SLOTS);
  }

  private async mustFind(tx: EntityManager, id: string): Promise<AgentRow> {
    const agent = await this.agents.find(tx, id);
    if (!agent) throw new DomainError('NOT_FOUND', 'no such agent');
    return agent;
  }
}
