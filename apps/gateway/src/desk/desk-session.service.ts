import { Inject, Injectable } from '@nestjs/common';
import type { AgentView, ConversationView, Slots } from '@pupitre/shared';
import { TokenService } from '../auth/token.service';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/env.validation';
import { RequestClient } from '../kafka/request.client';
import { InstanceRegistration } from './instance-registration.service';

export interface DeskState {
  agent: { id: string; name: string; status: AgentView['status'] };
  slots: Slots;
  conversations: ConversationView[];
}

/** One desk connection's life: authenticate and register it with routing, its first state, its end. */
@Injectable()
export class DeskSessionService {
  constructor(
    private readonly tokens: TokenService,
    private readonly client: RequestClient,
    private readonly registration: InstanceRegistration,
    @Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'GATEWAY_INSTANCE_ID'>,
  ) {}

  /** The agent's token is checked here (signature, role) and by routing (token version). */
  async open(token: unknown, connectionId: string): Promise<AgentView> {
    const { agentId, tokenVersion } = this.tokens.verifyAgent(token);
    await this.registration.whenRegistered();
    const gatewayInstance = this.config.GATEWAY_INSTANCE_ID;
    return this.client.request(
      'routing',
      'desk.connect',
      { agentId, tokenVersion, connectionId, gatewayInstance },
      { key: agentId },
    );
  }

  /**
   * Called once the socket is in its agent room: slots are read again now, since connecting may
   * itself have triggered assignments whose `slots.updated` went out before the socket joined.
   */
  async state(agent: AgentView): Promise<DeskState> {
    const [conversations, fresh] = await Promise.all([
      this.client.request(
        'conversation',
        'agent.desk-conversations',
        { agentId: agent.id },
        { key: agent.id },
      ),
      this.client.request('routing', 'agent.get', { agentId: agent.id }, { key: agent.id }),
    ]);
    return {
      agent: { id: fresh.id, name: fresh.name, status: fresh.status },
      slots: fresh.slots,
      conversations,
    };
  }

  async close(agentId: string, connectionId: string): Promise<void> {
    if (this.registration.stopping) return; // routing already dropped every desk of this instance
    await this.client.request('routing', 'desk.disconnect', { agentId, connectionId }, { key: agentId });
  }
}
