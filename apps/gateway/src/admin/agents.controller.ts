import { Body, Controller, Get, Headers, Param, Patch, Post, UseGuards } from '@nestjs/common';
import type { AgentView } from '@pupitre/shared';
import { AdminGuard, TokenService } from '../auth';
import { PathIdPipe } from '../http';
import { RequestClient } from '../kafka';
import { parseCreateAgent, parseUpdateAgent } from './admin.schemas';
import { createdId } from './idempotency-key';

const agentView = (a: AgentView): AgentView => ({
  id: a.id,
  name: a.name,
  chatCapacity: a.chatCapacity,
  mobileCapacity: a.mobileCapacity,
  status: a.status,
  slots: a.slots,
});

/** Admin API: agents and their desk credentials (routing owns them). */
@Controller('v1/admin/agents')
@UseGuards(AdminGuard)
export class AgentsController {
  constructor(
    private readonly client: RequestClient,
    private readonly tokens: TokenService,
  ) {}

  /** With `Idempotency-Key`, a retry returns the first agent (routing's insert is idempotent on the id). */
  @Post()
  async create(@Body() body: unknown, @Headers('idempotency-key') key: unknown) {
    const agentId = createdId('agent', key);
    const a = await this.client.request(
      'routing',
      'agent.create',
      { agentId, ...parseCreateAgent(body) },
      { key: agentId },
    );
    const token = this.tokens.signAgent(a.id, a.tokenVersion);
    return { id: a.id, name: a.name, chatCapacity: a.chatCapacity, mobileCapacity: a.mobileCapacity, token };
  }

  @Get()
  async list(): Promise<AgentView[]> {
    return (await this.client.request('routing', 'agent.list', {})).map(agentView);
  }

  @Patch(':id')
  async update(@Param('id', PathIdPipe) agentId: string, @Body() body: unknown): Promise<AgentView> {
    return agentView(
      await this.client.request(
        'routing',
        'agent.update',
        { agentId, ...parseUpdateAgent(body) },
        { key: agentId },
      ),
    );
  }

  @Post(':id/token')
  async rotateToken(@Param('id', PathIdPipe) agentId: string) {
    const { tokenVersion } = await this.client.request(
      'routing',
      'agent.rotate-token',
      { agentId },
      { key: agentId },
    );
    return { token: this.tokens.signAgent(agentId, tokenVersion) };
  }
}
