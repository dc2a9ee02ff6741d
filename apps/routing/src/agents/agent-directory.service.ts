import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AgentView, DomainError, RequestMeta, RoutingOps } from '@pupitre/shared';
import type { RoutingConfig } from '../config/env.validation';
import { ROUTING_CONFIG } from '../config/routing.config';
import { RoutingEventsEmitter } from '../events';
import { initialChatCapacity, refuseMobileCapacity } from '../slots';
import { toAgentView } from './agent-view';
import { AgentRow, AgentsRepository } from './agents.repository';

type In<K extends keyof RoutingOps> = RoutingOps[K]['in'];
type Out<K extends keyof RoutingOps> = RoutingOps[K]['out'];

/** The admin API's agents: create, read, rotate the desk token. Presence and capacity live in desk/. */
@Injectable()
export class AgentDirectoryService {
  constructor(
    private readonly agents: AgentsRepository,
    private readonly events: RoutingEventsEmitter,
    @Inject(ROUTING_CONFIG) private readonly config: RoutingConfig,
  ) {}

  async create(
    d: In<'agent.create'>,
    tx: EntityManager,
    meta: RequestMeta,
  ): Promise<AgentView & { tokenVersion: number }> {
    refuseMobileCapacity(d);
    await this.agents.insert(tx, {
      id: d.agentId,
      name: d.name,
      chatCapacity: initialChatCapacity(d.chatCapacity, this.config.DEFAULT_CHAT_SLOTS),
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
      { eventId: meta.requestId, correlationId: meta.correlationId },
    );
    return { tokenVersion: version };
  }

  async tokenVersion(d: In<'agent.token-version'>, tx: EntityManager): Promise<Out<'agent.token-version'>> {
    return { tokenVersion: (await this.mustFind(tx, d.agentId)).token_version };
  }

  private view(a: AgentRow): AgentView {
    return toAgentView(a, this.config.MOBILE_SLOTS);
  }

  private async mustFind(tx: EntityManager, id: string): Promise<AgentRow> {
    const agent = await this.agents.find(tx, id);
    if (!agent) throw new DomainError('NOT_FOUND', 'no such agent');
    return agent;
  }
}
