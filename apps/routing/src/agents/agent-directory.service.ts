import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AgentView, DomainError, RequestMeta, RoutingOps } from '@pupitre/shared';
import type { RoutingConfig } from '../config/env.validation';
import { ROUTING_CONFIG } from '../config/routing.config';
import { initialChatCapacity, refuseMobileCapacity } from '../slots';
import { toAgentView } from './agent-view';
import { AgentRow, AgentsRepository } from './agents.repository';

type In<K extends keyof RoutingOps> = RoutingOps[K]['in'];

/** The admin API's agents: create, read, rotate the desk token. Presence and capacity live in desk/. */
@Injectable()
export class AgentDirectoryService {
  constructor(
    private readonly agents: AgentsRepository,
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

  async rotateToken(d: In<'agent.rotate-token'>, tx: EntityManager): Promise<{ tokenVersion: number }> {
    const version = await this.agents.bumpTokenVersion(tx, d.agentId);
    if (version === null) throw new DomainError('NOT_FOUND', 'no such agent');
    return { tokenVersion: version };
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
