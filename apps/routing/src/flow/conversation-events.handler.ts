import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AfterCommit, Clock, CLOCK, ConversationEvent } from '@pupitre/shared';
import { SlotsChangedNotifier } from '../agents';
import { AssignmentService } from '../assignment';
import type { RoutingConfig } from '../config/env.validation';
import { ROUTING_CONFIG, timeoutsOf } from '../config/routing.config';
import { RoutedConversation, RoutedConversationsRepository, Transition } from '../conversations';
import { RoutingEventsEmitter } from '../events';

type Posted = Extract<ConversationEvent, { type: 'message.posted' }>;

/**
 * Routing's side of what conversation reports: openings join the queue, messages move the clocks
 * (and R8 requeues), closes free the slot. Each loads the aggregate, applies one transition, saves
 * it and writes its events in the inbox's transaction.
 */
@Injectable()
export class ConversationEventsHandler {
  constructor(
    private readonly routed: RoutedConversationsRepository,
    private readonly slots: SlotsChangedNotifier,
    private readonly assignment: AssignmentService,
    private readonly events: RoutingEventsEmitter,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ROUTING_CONFIG) private readonly config: RoutingConfig,
  ) {}

  async handle(e: ConversationEvent, tx: EntityManager, afterCommit: AfterCommit): Promise<void> {
    switch (e.type) {
      case 'conversation.opened': {
        const d = e.data;
        const t = RoutedConversation.open(d.conversationId, d.channel, new Date(d.openedAt), d.visitorId);
        if (await this.routed.insert(tx, t.state)) await this.apply(tx, t, e, afterCommit);
        return;
      }
      case 'message.posted':
        return this.onMessage(e, tx, afterCommit);
      case 'conversation.closed': {
        const c = await this.routed.find(tx, e.data.conversationId, true);
        if (c) await this.save(tx, RoutedConversation.close(c, timeoutsOf(this.config)), e, afterCommit);
        return;
      }
      default:
        return;
    }
  }

  private async onMessage(e: Posted, tx: EntityManager, afterCommit: AfterCommit): Promise<void> {
    const c = await this.routed.find(tx, e.data.conversationId, true);
    if (!c) throw new Error(`message for unknown conversation ${e.data.conversationId}`);
    // The message's own time is data: R10/R11 count from when it was written.
    const at = new Date(e.data.message.createdAt);
    const t =
      e.data.message.author.type === 'visitor'
        ? RoutedConversation.onVisitorMessage(c, at, timeoutsOf(this.config))
        : RoutedConversation.onAgentMessage(c, at, timeoutsOf(this.config));
    await this.save(tx, t, e, afterCommit);
  }

  private async save(tx: EntityManager, t: Transition, e: ConversationEvent, afterCommit: AfterCommit) {
    await this.routed.save(tx, t.state);
    await this.apply(tx, t, e, afterCommit);
  }

  /** The events, the slot counts, and a matching round when a slot freed or a conversation queued. */
  private async apply(tx: EntityManager, t: Transition, e: ConversationEvent, afterCommit: AfterCommit) {
    const now = this.clock.now();
    await this.events.emitAll(tx, t.state.conversationId, t.events, now, e);
    await this.slots.notify(tx, t.slotsChangedFor, now, e);
    const queued = t.events.some((ev) => ev.type === 'conversation.queued');
    if (queued || t.slotsChangedFor.length > 0) afterCommit(() => this.assignment.kick([t.state.channel]));
  }
}
