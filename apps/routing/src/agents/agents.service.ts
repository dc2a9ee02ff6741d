import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AgentView, CHANNELS, DomainError, RequestMeta, RoutingOps } from '@pupitre/shared';
import { AssignmentService } from '../assignment/assignment.service';
import type { RoutingConfig } from '../config/env.validation';
import { RoutedConversationsRepository } from '../assignment/routed-conversations.repository';
import { deadlinesDto, RoutingEventsEmitter } from '../events/routing-events.emitter';
import { ROUTING_CONFIG } from '../routing.config';
import { AgentRow, AgentsRepository, statusOf } from './agents.repository';

type In<K extends keyof RoutingOps> = RoutingOps[K]['in'];
type Out<K extends keyof RoutingOps> = RoutingOps[K]['out'];

const causeOf = (m: RequestMeta) => ({ eventId: m.requestId, correlationId: m.correlationId });

/** Agents (admin API), their presence at the desk, and what presence changes for assignment. */
@Injectable()
export class AgentsService {
  constructor(
    private readonly agents: AgentsRepository,
    private readonly routed: RoutedConversationsRepository,
    private readonly events: RoutingEventsEmitter,
    private readonly assignment: AssignmentService,
    @Inject(ROUTING_CONFIG) private readonly config: RoutingConfig,
  ) {}

  async create(
    d: In<'agent.create'>,
    tx: EntityManager,
    meta: RequestMeta,
  ): Promise<AgentView & { tokenVersion: number }> {
    await this.agents.insert(tx, {
      id: d.agentId,
      name: d.name,
      chatCapacity: d.chatCapacity ?? this.config.DEFAULT_CHAT_SLOTS,
      at: meta.now,
    });
    const agent = await this.mustFind(tx, d.agentId);
    return { ...this.view(agent), tokenVersion: agent.token_version };
  }

  async list(tx: EntityManager): Promise<AgentView[]> {
    return (await this.agents.findAll(tx)).map((a) => this.view(a));
  }

  async get(d: In<'agent.get'>, tx: EntityManager): Promise<AgentView> {
    return this.view(await this.mustFind(tx, d.agentId));
  }

  /** Read from routing, the owner of assignments: the conversation service's projection may lag. */
  async desk(d: In<'agent.desk'>, tx: EntityManager): Promise<Out<'agent.desk'>> {
    const agent = this.view(await this.mustFind(tx, d.agentId));
    const held = (await this.routed.findHeldBy(tx, d.agentId)).map((r) => ({
      conversationId: r.conversation_id,
      assignedAt: r.assigned_at!.toISOString(),
      deadlines: deadlinesDto({ reassignAt: r.reassign_at, closeAt: r.close_at }),
    }));
    return { agent, held };
  }

  /** R5 is enforced at the door and by the contract's shape: only name and chat capacity change here. */
  async update(d: In<'agent.update'>, tx: EntityManager, meta: RequestMeta): Promise<AgentView> {
    if (!(await this.agents.lock(tx, d.agentId))) throw new DomainError('NOT_FOUND', 'no such agent');
    const before = await this.mustFind(tx, d.agentId);
    await this.agents.update(tx, d.agentId, d);
    const agent = await this.mustFind(tx, d.agentId);
    if (agent.chat_capacity !== before.chat_capacity) {
      await this.events.slotsChanged(tx, agent.id, meta.now, causeOf(meta));
      meta.afterCommit(() => this.assignment.kick(['web_chat']));
    }
    return this.view(agent);
  }

  /** Every gateway ends the desks opened with an older version when it hears agent.token-rotated. */
  async rotateToken(
    d: In<'agent.rotate-token'>,
    tx: EntityManager,
    meta: RequestMeta,
  ): Promise<{ tokenVersion: number }> {
    const version = await this.agents.bumpTokenVersion(tx, d.agentId);
    if (version === null) throw new DomainError('NOT_FOUND', 'no such agent');
    await this.events.emit(
      tx,
      d.agentId,
      'agent.token-rotated',
      { agentId: d.agentId, tokenVersion: version },
      meta.now,
      causeOf(meta),
    );
    return { tokenVersion: version };
  }

  async tokenVersion(d: In<'agent.token-version'>, tx: EntityManager): Promise<Out<'agent.token-version'>> {
    return { tokenVersion: (await this.mustFind(tx, d.agentId)).token_version };
  }

  /** A desk socket opened: the agent is available unless they chose away; an old token is refused. */
  async connect(d: In<'desk.connect'>, tx: EntityManager, meta: RequestMeta): Promise<AgentView> {
    await this.assignment.lockAllChannels(tx);
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

  async disconnect(
    d: In<'desk.disconnect'>,
    tx: EntityManager,
    meta: RequestMeta,
  ): Promise<Record<string, never>> {
    await this.assignment.lockAllChannels(tx);
    if (!(await this.agents.lock(tx, d.agentId))) return {};
    const before = await this.mustFind(tx, d.agentId);
    await this.agents.removeConnection(tx, d.connectionId);
    await this.presenceChanged(tx, before, meta);
    return {};
  }

  async setStatus(d: In<'agent.set-status'>, tx: EntityManager, meta: RequestMeta): Promise<AgentView> {
    await this.assignment.lockAllChannels(tx);
    if (!(await this.agents.lock(tx, d.agentId))) throw new DomainError('NOT_FOUND', 'no such agent');
    const before = await this.mustFind(tx, d.agentId);
    await this.agents.setAway(tx, d.agentId, d.status === 'away');
    return this.presenceChanged(tx, before, meta);
  }

  async instanceStarted(
    d: In<'desk.instance-started'>,
    tx: EntityManager,
    meta: RequestMeta,
  ): Promise<Record<string, never>> {
    await this.assignment.lockAllChannels(tx);
    for (const agentId of await this.agents.removeConnectionsOf(tx, d.gatewayInstance)) {
      await this.agents.lock(tx, agentId);
      const agent = await this.mustFind(tx, agentId);
      await this.events.emit(
        tx,
        agentId,
        'agent.status-changed',
        { agentId, status: statusOf(agent) },
        meta.now,
        causeOf(meta),
      );
    }
    return {};
  }

  private async presenceChanged(tx: EntityManager, before: AgentRow, meta: RequestMeta): Promise<AgentView> {
    const agent = await this.mustFind(tx, before.id);
    const status = statusOf(agent);
    if (status !== statusOf(before)) {
      await this.events.emit(
        tx,
        agent.id,
        'agent.status-changed',
        { agentId: agent.id, status },
        meta.now,
        causeOf(meta),
      );
      if (status === 'available') meta.afterCommit(() => this.assignment.kick(CHANNELS));
    }
    return this.view(agent);
  }

  private view(a: AgentRow): AgentView {
    return {
      id: a.id,
      name: a.name,
      chatCapacity: a.chat_capacity,
      mobileCapacity: this.config.MOBILE_SLOTS,
      status: statusOf(a),
      slots: this.events.slotsOf(a),
    };
  }

  private async mustFind(tx: EntityManager, id: string): Promise<AgentRow> {
    const agent = await this.agents.find(tx, id);
    if (!agent) throw new DomainError('NOT_FOUND', 'no such agent');
    return agent;
  }
}
