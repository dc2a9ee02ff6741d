import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AfterCommit, BatchHooks, CarriedInbox, Clock, CLOCK, ConversationEvent } from '@pupitre/shared';
import { SlotsChangedNotifier } from '../agents';
import { AssignmentService } from '../assignment';
import type { RoutingConfig } from '../config/env.validation';
import { ROUTING_CONFIG, timeoutsOf } from '../config/routing.config';
import { RoutedConversation, RoutedConversationsRepository, Transition } from '../conversations';
import { RoutingEventsEmitter } from '../events';
import { RoutedUnitOfWork } from './routed-unit-of-work';

type Posted = Extract<ConversationEvent, { type: 'message.posted' }>;

/**
 * Routing's side of what conversation reports: openings join the queue, messages move the clocks
 * (and R8 requeues), closes free the slot. Each loads the aggregate and applies one transition; the
 * state, its events and the slot counts are written in the inbox's transaction.
 *
 * A batch of events works on one unit (RoutedUnitOfWork): `lock` locks every conversation the
 * batch names in one statement, in id order, with the batch's inbox insert; the handlers apply their
 * transitions to what the unit holds, in order; `flush` writes them all at the end. An event applied
 * alone gets a unit of its own, written as soon as it is handled.
 */
@Injectable()
export class ConversationEventsHandler implements BatchHooks<ConversationEvent> {
  /** Each batch's unit, from `lock` to `flush`, by its transaction. */
  private readonly batches = new WeakMap<EntityManager, RoutedUnitOfWork>();

  constructor(
    private readonly routed: RoutedConversationsRepository,
    private readonly slots: SlotsChangedNotifier,
    private readonly assignment: AssignmentService,
    private readonly events: RoutingEventsEmitter,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ROUTING_CONFIG) private readonly config: RoutingConfig,
  ) {}

  /** Every event of the batch, redeliveries among them: their conversations locked, with the inbox insert. */
  async lock(events: ConversationEvent[], tx: EntityManager, inbox: CarriedInbox | null): Promise<void> {
    const unit = this.unitFor(tx);
    this.batches.set(tx, unit);
    await unit.lockAll(
      events.map((e) => e.data.conversationId),
      inbox,
    );
  }

  /** Nothing more to load: `lock` holds what the fresh events change. */
  async prepare(): Promise<void> {}

  async flush(tx: EntityManager): Promise<void> {
    await this.batches.get(tx)?.flush();
    this.batches.delete(tx);
  }

  async handle(e: ConversationEvent, tx: EntityManager, afterCommit: AfterCommit): Promise<void> {
    const batch = this.batches.get(tx);
    const unit = batch ?? this.unitFor(tx);
    await this.apply(unit, e, afterCommit);
    if (!batch) await unit.flush();
  }

  private async apply(unit: RoutedUnitOfWork, e: ConversationEvent, afterCommit: AfterCommit): Promise<void> {
    const now = this.clock.now();
    switch (e.type) {
      case 'conversation.opened': {
        const d = e.data;
        const t = RoutedConversation.open(d.conversationId, d.channel, new Date(d.openedAt), d.visitorId);
        if (await unit.insert(t, now, e)) this.matchAfterCommit(t, afterCommit);
        return;
      }
      case 'message.posted':
        return this.onMessage(unit, e, now, afterCommit);
      case 'conversation.closed': {
        const c = await unit.find(e.data.conversationId);
        if (c) this.change(unit, RoutedConversation.close(c, timeoutsOf(this.config)), now, e, afterCommit);
        return;
      }
      default:
        return;
    }
  }

  private async onMessage(unit: RoutedUnitOfWork, e: Posted, now: Date, afterCommit: AfterCommit) {
    const c = await unit.find(e.data.conversationId);
    if (!c) throw new Error(`message for unknown conversation ${e.data.conversationId}`);
    // The message's own time is data: R10/R11 count from when it was written.
    const at = new Date(e.data.message.createdAt);
    const t =
      e.data.message.author.type === 'visitor'
        ? RoutedConversation.onVisitorMessage(c, at, timeoutsOf(this.config))
        : RoutedConversation.onAgentMessage(c, at, timeoutsOf(this.config));
    this.change(unit, t, now, e, afterCommit);
  }

  private change(
    unit: RoutedUnitOfWork,
    t: Transition,
    now: Date,
    e: ConversationEvent,
    afterCommit: AfterCommit,
  ) {
    unit.record(t, now, e);
    this.matchAfterCommit(t, afterCommit);
  }

  /** A matching round once committed, when a slot freed or a conversation queued. */
  private matchAfterCommit(t: Transition, afterCommit: AfterCommit): void {
    const queued = t.events.some((ev) => ev.type === 'conversation.queued');
    if (queued || t.slotsChangedFor.length > 0) afterCommit(() => this.assignment.kick([t.state.channel]));
  }

  private unitFor(tx: EntityManager): RoutedUnitOfWork {
    return new RoutedUnitOfWork(tx, this.routed, this.events, this.slots);
  }
}
