import { Injectable, Logger } from '@nestjs/common';
import type {
  ConversationEvent,
  ConversationEventData,
  ConversationView,
  RoutingEvent,
  RoutingEventData,
} from '@pupitre/shared';
import { TokenService } from '../auth';
import { RequestClient } from '../kafka';
import { KeyedQueue } from './keyed-queue';
import { rooms } from './rooms';
import { SocketHub } from './socket-hub';

export const FANNED_OUT_ROUTING_EVENTS: ReadonlySet<string> = new Set([
  'conversation.assigned',
  'conversation.unassigned',
  'conversation.deadlines-changed',
  'agent.slots-changed',
  'agent.token-rotated',
]);

export const FANNED_OUT_CONVERSATION_EVENTS: ReadonlySet<string> = new Set([
  'message.posted',
  'conversation.closed',
  'conversation.tags-changed',
]);

/**
 * Turns events into the desk's and the visitor's socket events (CONTRACT.md). Rooms decide who
 * hears what: `agent:<id>` for everything about an agent's desk, `conv:<id>` for desks holding a
 * conversation, `visitor:<id>` for a visitor's devices. Work for one conversation runs in order.
 */
@Injectable()
export class FanoutService {
  private readonly logger = new Logger(FanoutService.name);
  private readonly queue = new KeyedQueue((key, err) =>
    this.logger.warn(`fan-out for ${key} failed: ${err instanceof Error ? err.message : String(err)}`),
  );

  constructor(
    private readonly hub: SocketHub,
    private readonly client: RequestClient,
    private readonly tokens: TokenService,
  ) {}

  /** A rotated desk token ends, at once, the sessions this instance opened with an older version. */
  private tokenRotated(d: RoutingEventData<'agent.token-rotated'>): void {
    for (const socket of this.hub.desk.sockets.values()) {
      // Every socket of the namespace, not only the agent's room: one just opened may not be in it yet.
      if ((socket.data as { agent?: { id: string } }).agent?.id !== d.agentId) continue;
      const principal = this.tokens.agentOfAnyAge((socket.handshake.auth as { token?: unknown })?.token);
      if (principal?.agentId === d.agentId && principal.tokenVersion < d.tokenVersion)
        socket.disconnect(true);
    }
  }

  routingEvent(e: RoutingEvent): Promise<void> {
    switch (e.type) {
      case 'conversation.assigned':
        return this.queue.run(e.data.conversationId, () => this.assigned(e.data));
      case 'conversation.unassigned':
        return this.queue.run(e.data.conversationId, () => this.unassigned(e.data));
      case 'conversation.deadlines-changed':
        return this.queue.run(e.data.conversationId, () => this.deadlinesChanged(e.data));
      case 'agent.slots-changed':
        return this.queue.run(e.data.agentId, () => this.slotsChanged(e.data));
      case 'agent.token-rotated':
        return this.queue.run(e.data.agentId, async () => this.tokenRotated(e.data));
      default:
        return Promise.resolve();
    }
  }

  conversationEvent(e: ConversationEvent): Promise<void> {
    switch (e.type) {
      case 'message.posted':
        return this.queue.run(e.data.conversationId, () => this.messagePosted(e.data));
      case 'conversation.closed':
        return this.queue.run(e.data.conversationId, () => this.closed(e.data));
      case 'conversation.tags-changed':
        return this.queue.run(e.data.conversationId, () => this.tagsChanged(e.data));
      default:
        return Promise.resolve();
    }
  }

  /** The agent's desks join the conversation's room first, so no message falls between. */
  private async assigned(d: RoutingEventData<'conversation.assigned'>): Promise<void> {
    const desk = this.hub.desk;
    const agentRoom = rooms.agent(d.agentId);
    if (!SocketHub.hasMembers(desk, agentRoom)) return;
    desk.in(agentRoom).socketsJoin(rooms.conversation(d.conversationId));
    // Slots travel on their own key and may have gone out before a just-connected desk joined
    // its room; read them again now that the assignment is committed.
    const [view, agent] = await Promise.all([
      this.view(d.conversationId),
      this.client.request('routing', 'agent.get', { agentId: d.agentId }, { key: d.agentId }),
    ]);
    // The conversation service learns of the assignment from the same event: the event is fresher.
    const conversation: ConversationView = {
      ...view,
      status: heldStatus(view),
      assignedAt: d.assignedAt,
      deadlines: d.deadlines,
    };
    desk.to(agentRoom).emit('conversation.assigned', { conversation });
    desk.to(agentRoom).emit('slots.updated', agent.slots);
  }

  private unassigned(d: RoutingEventData<'conversation.unassigned'>): void {
    const desk = this.hub.desk;
    const agentRoom = rooms.agent(d.agentId);
    desk
      .to(agentRoom)
      .emit('conversation.unassigned', { conversationId: d.conversationId, reason: d.reason });
    desk.in(agentRoom).socketsLeave(rooms.conversation(d.conversationId));
  }

  private async deadlinesChanged(d: RoutingEventData<'conversation.deadlines-changed'>): Promise<void> {
    if (d.agentId === null) return;
    const desk = this.hub.desk;
    const agentRoom = rooms.agent(d.agentId);
    if (!SocketHub.hasMembers(desk, agentRoom)) return;
    const view = await this.view(d.conversationId);
    const conversation: ConversationView = { ...view, status: heldStatus(view), deadlines: d.deadlines };
    desk.to(agentRoom).emit('conversation.updated', { conversation });
  }

  private slotsChanged(d: RoutingEventData<'agent.slots-changed'>): void {
    this.hub.desk.to(rooms.agent(d.agentId)).emit('slots.updated', d.slots);
  }

  private messagePosted(d: ConversationEventData<'message.posted'>): void {
    this.hub.desk.to(rooms.conversation(d.conversationId)).emit('message.created', {
      conversationId: d.conversationId,
      message: d.message,
    });
    this.hub.visitor.to(rooms.visitor(d.visitorId)).emit('message.created', { message: d.message });
  }

  private closed(d: ConversationEventData<'conversation.closed'>): void {
    const payload = { conversationId: d.conversationId, reason: d.reason };
    const desk = this.hub.desk;
    const convRoom = rooms.conversation(d.conversationId);
    desk.to(convRoom).emit('conversation.closed', payload);
    this.hub.visitor.to(rooms.visitor(d.visitorId)).emit('conversation.closed', payload);
    desk.in(convRoom).socketsLeave(convRoom);
  }

  private async tagsChanged(d: ConversationEventData<'conversation.tags-changed'>): Promise<void> {
    const desk = this.hub.desk;
    const convRoom = rooms.conversation(d.conversationId);
    if (!SocketHub.hasMembers(desk, convRoom)) return;
    const view = await this.view(d.conversationId);
    desk.to(convRoom).emit('conversation.updated', { conversation: { ...view, tags: d.tags } });
  }

  private view(conversationId: string): Promise<ConversationView> {
    return this.client.request(
      'conversation',
      'conversation.view',
      { conversationId },
      { key: conversationId },
    );
  }
}

/** An event naming the holder is fresher than the view's projection, except for a close. */
const heldStatus = (view: ConversationView): ConversationView['status'] =>
  view.status === 'closed' ? 'closed' : 'assigned';
