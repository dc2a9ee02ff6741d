import { Inject, Injectable } from '@nestjs/common';
import type { AgentView, ConversationView, Slots } from '@pupitre/shared';
import { TokenService } from '../auth';
import { DeskViews } from '../fanout';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/env.validation';
import { RequestClient } from '../kafka';
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
    private readonly deskViews: DeskViews,
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
   * Called once the socket is in its agent room, so that whatever happens next reaches it as an event.
   * What the agent holds is asked of routing, the owner of assignments; a conversation shows only once
   * conversation's copy records it too (then the agent can answer it). One routing has given but
   * conversation has not recorded yet comes as `conversation.assigned` when it is recorded; if that
   * event was pushed while this state was being read, the view it brought is taken from `DeskViews`.
   */
  async state(agent: AgentView): Promise<DeskState> {
    const desk = await this.client.request('routing', 'agent.desk', { agentId: agent.id }, { key: agent.id });
    const views = await this.client.request(
      'conversation',
      'conversation.views',
      { conversationIds: desk.held.map((h) => h.conversationId) },
      { key: agent.id },
    );
    const byId = new Map(views.map((v) => [v.id, v]));
    const conversations = desk.held.flatMap((h): ConversationView[] => {
      const view = byId.get(h.conversationId);
      // Closed since routing answered: its conversation.closed follows on the socket.
      if (!view || view.status === 'closed') return [];
      if (view.status !== 'assigned') {
        const pushed = this.deskViews.viewOf(h.conversationId, agent.id);
        return pushed ? [pushed] : [];
      }
      const held: ConversationView = { ...view, assignedAt: h.assignedAt, deadlines: h.deadlines };
      return [this.deskViews.hold(agent.id, held)];
    });
    const { id, name, status } = desk.agent;
    // A newer count may already have been pushed on the socket: the desk keeps the newer one.
    const slots = this.deskViews.newerSlots(agent.id, desk.agent.slots, desk.slotsVersion)
      ? desk.agent.slots
      : (this.deskViews.lastSlots(agent.id)?.slots ?? desk.agent.slots);
    return { agent: { id, name, status }, slots, conversations };
  }

  async close(agentId: string, connectionId: string): Promise<void> {
    if (this.registration.stopping) return; // routing already dropped every desk of this instance
    await this.client.request('routing', 'desk.disconnect', { agentId, connectionId }, { key: agentId });
  }
}
