import type { EntityManager } from 'typeorm';
import type { Cause } from '@pupitre/shared';
import { SlotsChange, SlotsChangedNotifier } from '../agents';
import { RoutedConversation, RoutedConversationsRepository, Transition } from '../conversations';
import { EventsAbout, RoutingEventsEmitter } from '../events';

/**
 * The routed conversations one transaction of conversation events works on, each read and written
 * once: `lockAll` loads and locks a batch's conversations in one statement, `find` answers from what
 * the unit holds (with the transitions applied so far, in order), `record` keeps a transition for
 * `flush`, which writes them all at once: the states with their event counters bumped, the events
 * (one outbox insert), then the slot counts of the agents they concern.
 *
 * Until the flush the database has older states than the unit, so nothing else in the transaction
 * reads routed_conversations: the only other reader, the slot counts, runs in the flush, after the writes.
 */
export class RoutedUnitOfWork {
  private readonly held = new Map<string, RoutedConversation>();
  private readonly changed = new Set<string>();
  private events: EventsAbout[] = [];
  /** Each agent whose slots changed, with the time and cause of the last change. */
  private readonly slotsChanged = new Map<string, SlotsChange>();

  constructor(
    private readonly tx: EntityManager,
    private readonly routed: RoutedConversationsRepository,
    private readonly emitter: RoutingEventsEmitter,
    private readonly slots: SlotsChangedNotifier,
  ) {}

  async lockAll(ids: string[]): Promise<void> {
    for (const c of await this.routed.lockAll(this.tx, ids)) this.held.set(c.conversationId, c);
  }

  /** The conversation, locked; from the database only if the unit does not hold it yet. */
  async find(id: string): Promise<RoutedConversation | null> {
    const held = this.held.get(id);
    if (held) return held;
    const found = await this.routed.find(this.tx, id, true);
    if (found) this.held.set(id, found);
    return found;
  }

  /** A new conversation, written now (false when it was already there: a redelivered opening). */
  async insert(t: Transition, now: Date, cause: Cause): Promise<boolean> {
    if (!(await this.routed.insert(this.tx, t.state))) return false;
    this.held.set(t.state.conversationId, t.state);
    this.follow(t, now, cause);
    return true;
  }

  /** A transition: its state is held from now on; it and what follows from it are written by the flush. */
  record(t: Transition, now: Date, cause: Cause): void {
    this.held.set(t.state.conversationId, t.state);
    this.changed.add(t.state.conversationId);
    this.follow(t, now, cause);
  }

  async flush(): Promise<void> {
    // The event counters are bumped by the states' own write: one row version per conversation.
    const bumped = await this.routed.saveAll(
      this.tx,
      [...this.changed].map((id) => this.held.get(id)!),
      this.emitter.versionCounts(this.events),
    );
    this.changed.clear();
    await this.emitter.emitMany(this.tx, this.events, bumped);
    this.events = [];
    // Once per agent, with its counts after the whole unit, in one notification: it takes the agents'
    // version rows in id order, as every other does, so two transactions never wait on each other there.
    await this.slots.notifyEach(this.tx, this.slotsChanged);
    this.slotsChanged.clear();
  }

  private follow(t: Transition, now: Date, cause: Cause): void {
    if (t.events.length > 0) this.events.push({ key: t.state.conversationId, events: t.events, now, cause });
    for (const agentId of t.slotsChangedFor) this.slotsChanged.set(agentId, { now, cause });
  }
}
