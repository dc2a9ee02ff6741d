import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type {
  ConversationEvent,
  ConversationEventData,
  ConversationView,
  RoutingEvent,
  RoutingEventData,
} from '@pupitre/shared';
import type { Socket } from 'socket.io';
import { TokenService } from '../auth';
import { DeskViews } from './desk-views';
import { encodedConversation, encodedMessage } from './encoded-views';
import { KeyedQueue } from './keyed-queue';
import { PushThrottle } from './push-throttle';
import { QueuePositions } from './queue-positions';
import { rooms } from './rooms';
import { SocketHub } from './socket-hub';
import { RecentIds } from './recent-ids';

export const FANNED_OUT_ROUTING_EVENTS: ReadonlySet<string> = new Set([
  'conversation.deadlines-changed',
  'agent.slots-changed',
  'agent.token-rotated',
  'queue.changed',
]);

export const FANNED_OUT_CONVERSATION_EVENTS: ReadonlySet<string> = new Set([
  'conversation.assignment-recorded',
  'conversation.unassignment-recorded',
  'message.posted',
  'conversation.closed',
  'conversation.tags-changed',
]);

/** Rotations remembered per gateway (an agent's entry only matters for a desk opening at that moment). */
const MAX_ROTATIONS_KEPT = 10_000;
/**
 * Event ids remembered to drop republished events (about 10 MB): minutes of traffic at the measured
 * rates, where a relay takeover republishes what was published a few seconds before.
 */
const MAX_EVENT_IDS_KEPT = 100_000;
/**
 * A conversation's deadline changes push its view to the desk at most this often (PushThrottle): the
 * first at once, those within the interval folded into one at its end, carrying the latest deadlines.
 */
export const DEADLINE_PUSH_INTERVAL_MS = 1000;

/**
 * Turns events into the desk's and the visitor's socket events (CONTRACT.md), without asking any
 * service: each event carries what changed, and `DeskViews` holds what was last pushed, to patch.
 * Rooms decide who hears what: `agent:<id>` for everything about an agent's desk, `conv:<id>` for
 * desks holding a conversation, `visitor:<id>` for a visitor's devices. Work for one conversation
 * runs in order. A conversation comes to a desk from conversation's `conversation.assignment-recorded`
 * (not routing's `conversation.assigned`), so the agent can answer it as soon as it shows.
 *
 * The feed has no inbox (no database), yet events can come twice: the relay publishes then marks, and
 * a new leader republishes what the old one published but had not marked. Events already seen (by
 * event id, the most recent MAX_EVENT_IDS_KEPT) are dropped, so a desk never shows a message twice.
 */
@Injectable()
export class FanoutService implements OnModuleDestroy {
  private readonly logger = new Logger(FanoutService.name);
  private readonly queue = new KeyedQueue((key, err) =>
    this.logger.warn(`fan-out for ${key} failed: ${err instanceof Error ? err.message : String(err)}`),
  );

  constructor(
    private readonly hub: SocketHub,
    private readonly views: DeskViews,
    private readonly tokens: TokenService,
    private readonly positions: QueuePositions,
  ) {}

  /** The latest rotated token version per agent, so a desk still opening when it came is ended too. */
  private readonly rotated = new Map<string, number>();
  private readonly seen = new RecentIds(MAX_EVENT_IDS_KEPT);
  private readonly deadlinePushes = new PushThrottle(DEADLINE_PUSH_INTERVAL_MS);

  onModuleDestroy(): void {
    this.deadlinePushes.clear();
  }

  /** A rotated desk token ends, at once, the sessions this instance opened with an older version. */
  private tokenRotated(d: RoutingEventData<'agent.token-rotated'>): void {
    this.rotated.delete(d.agentId); // re-inserted last: the map is evicted oldest first
    this.rotated.set(d.agentId, Math.max(d.tokenVersion, this.rotated.get(d.agentId) ?? 0));
    if (this.rotated.size > MAX_ROTATIONS_KEPT) this.rotated.delete(this.rotated.keys().next().value!);
    // Every socket of the namespace, not only the agent's room: one just opened may not be in it yet.
    for (const socket of this.hub.desk.sockets.values()) {
      if (this.openedWithRotatedToken(socket)) socket.disconnect(true);
    }
  }

  /**
   * True when the socket's agent had their token rotated after it was issued. The desk gateway asks
   * it once the socket is connected: a rotation heard while the socket was still in its handshake
   * middleware (not yet in the namespace) is caught there.
   */
  openedWithRotatedToken(socket: Socket): boolean {
    const agentId = (socket.data as { agent?: { id: string } }).agent?.id;
    const rotatedTo = agentId === undefined ? undefined : this.rotated.get(agentId);
    if (rotatedTo === undefined) return false;
    const principal = this.tokens.agentOfAnyAge((socket.handshake.auth as { token?: unknown })?.token);
    return principal !== null && principal.agentId === agentId && principal.tokenVersion < rotatedTo;
  }

  routingEvent(e: RoutingEvent): Promise<void> {
    if (!this.firstTime(e)) return Promise.resolve();
    switch (e.type) {
      case 'conversation.deadlines-changed':
        return this.queue.run(e.data.conversationId, () => this.deadlinesChanged(e.data, e.occurredAt));
      case 'agent.slots-changed':
        return this.queue.run(e.data.agentId, () => this.slotsChanged(e.data));
      case 'agent.token-rotated':
        return this.queue.run(e.data.agentId, async () => this.tokenRotated(e.data));
      case 'queue.changed':
        return this.queue.run(`queue:${e.data.channel}`, () => this.queueChanged(e.data));
      default:
        return Promise.resolve();
    }
  }

  conversationEvent(e: ConversationEvent): Promise<void> {
    if (!this.firstTime(e)) return Promise.resolve();
    switch (e.type) {
      case 'conversation.assignment-recorded':
        return this.queue.run(e.data.conversationId, () => this.assigned(e.data));
      case 'conversation.unassignment-recorded':
        return this.queue.run(e.data.conversationId, () => this.unassigned(e.data));
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

  /** Whether the event is new here (events are validated with an eventId; one without is never dropped). */
  private firstTime(e: { eventId?: string }): boolean {
    return e.eventId === undefined || this.seen.firstTime(e.eventId);
  }

  /** The agent's desks join the conversation's room first, so no message falls between. */
  private assigned(d: ConversationEventData<'conversation.assignment-recorded'>): void {
    const desk = this.hub.desk;
    const agentRoom = rooms.agent(d.agentId);
    if (!SocketHub.hasMembers(desk, agentRoom)) return;
    desk.in(agentRoom).socketsJoin(rooms.conversation(d.conversationId));
    const conversation = this.views.hold(d.agentId, d.conversation, d.routingVersion, d.responseWindowMs);
    desk.to(agentRoom).emit('conversation.assigned', encodedConversation(conversation));
    this.deadlinePushes.pushed(d.conversationId);
    // Slots travel on the agent's key and may have gone out before a just-connected desk joined its
    // room: the last counts this gateway saw for the agent, again.
    const slots = this.views.lastSlots(d.agentId);
    if (slots) desk.to(agentRoom).emit('slots.updated', slots.slots);
  }

  private unassigned(d: ConversationEventData<'conversation.unassignment-recorded'>): void {
    const desk = this.hub.desk;
    const agentRoom = rooms.agent(d.agentId);
    if (this.views.holder(d.conversationId) === d.agentId) {
      this.views.forget(d.conversationId, d.agentId);
      this.deadlinePushes.forget(d.conversationId);
    }
    desk
      .to(agentRoom)
      .emit('conversation.unassigned', { conversationId: d.conversationId, reason: d.reason });
    desk.in(agentRoom).socketsLeave(rooms.conversation(d.conversationId));
  }

  /** Routing's new deadlines, patched into the view and pushed (`pushDeadlines`). */
  private deadlinesChanged(d: RoutingEventData<'conversation.deadlines-changed'>, at: string): void {
    if (d.agentId === null) return;
    const id = d.conversationId;
    if (this.views.deadlines(id, d.agentId, d.deadlines, at, d.version, d.responseWindowMs))
      this.pushDeadlines(id);
  }

  /**
   * The view with its new deadlines, to its holder. The push is folded with the next ones within
   * DEADLINE_PUSH_INTERVAL_MS (while R10 runs, every visitor message moves them). A late push runs in
   * the conversation's order and sends the view held then, to its holder: none once it was closed or moved.
   */
  private pushDeadlines(id: string): void {
    this.deadlinePushes.push(id, (late) =>
      late ? void this.queue.run(id, () => this.pushHeldView(id)) : this.pushHeldView(id),
    );
  }

  private pushHeldView(conversationId: string): void {
    const agentId = this.views.holder(conversationId);
    const view = agentId === undefined ? undefined : this.views.viewOf(conversationId, agentId);
    if (agentId !== undefined && view) this.updated(agentId, view);
  }

  private slotsChanged(d: RoutingEventData<'agent.slots-changed'>): void {
    if (!this.views.newerSlots(d.agentId, d.slots, d.version)) return;
    // The public payload stays `{chat, mobile}`: the version is the gateway's business.
    this.hub.desk.to(rooms.agent(d.agentId)).emit('slots.updated', d.slots);
  }

  /** `queue.updated` to the visitors with a socket here whose place changed (QueuePositions). */
  private queueChanged(d: RoutingEventData<'queue.changed'>): void {
    const visitors = this.hub.visitor;
    const here = (visitorId: string) => SocketHub.hasMembers(visitors, rooms.visitor(visitorId));
    for (const { visitorId, update } of this.positions.apply(d, here))
      visitors.to(rooms.visitor(visitorId)).emit('queue.updated', update);
  }

  /** To the desks holding the conversation and the visitor's devices; R10's move, if any, is pushed after. */
  private messagePosted(d: ConversationEventData<'message.posted'>): void {
    this.views.noteVisitor(d.conversationId, d.visitorId);
    const moved = this.views.messagePosted(d.conversationId, d.message);
    this.hub.desk
      .to(rooms.conversation(d.conversationId))
      .emit('message.created', encodedMessage(d.message, d.conversationId));
    this.hub.visitor.to(rooms.visitor(d.visitorId)).emit('message.created', encodedMessage(d.message));
    if (moved) this.pushDeadlines(d.conversationId);
  }

  private closed(d: ConversationEventData<'conversation.closed'>): void {
    this.views.forget(d.conversationId);
    this.deadlinePushes.forget(d.conversationId);
    const payload = { conversationId: d.conversationId, reason: d.reason };
    const desk = this.hub.desk;
    const convRoom = rooms.conversation(d.conversationId);
    desk.to(convRoom).emit('conversation.closed', payload);
    this.hub.visitor.to(rooms.visitor(d.visitorId)).emit('conversation.closed', payload);
    desk.in(convRoom).socketsLeave(convRoom);
  }

  private tagsChanged(d: ConversationEventData<'conversation.tags-changed'>): void {
    const patched = this.views.patch(d.conversationId, (v) => ({ ...v, tags: d.tags }));
    if (!patched) return;
    this.updated(patched.agentId, patched.view);
    this.deadlinePushes.pushed(d.conversationId); // it carried the latest deadlines too
  }

  private updated(agentId: string, conversation: ConversationView): void {
    this.hub.desk.to(rooms.agent(agentId)).emit('conversation.updated', encodedConversation(conversation));
  }
}
