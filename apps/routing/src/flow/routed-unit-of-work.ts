import type { EntityManager } from 'typeorm';
import type { CarriedInbox, Cause } from '@pupitre/shared';
import { SlotsChange, SlotsChangedNotifier } from '../agents';
import {
  LockedConversation,
  RoutedConversation,
  RoutedConversationsRepository,
  Transition,
} from '../conversations';
import { EventsAbout, RoutingEventsEmitter } from '../events';

/**
 * The routed conversations one transaction of conversation events works on, each read and written
 * once: `lockAll` loads and locks a batch's conversations in one statement (which may carry the
 * batch's inbox insert), `find` answers from what the unit holds (with the transitions applied so
 * far, in order), `record` keeps a transition for `flush`, which writes them all at once: the states
 * with their event counters bumped and the events in one statement, then the slot counts of the
 * agents they concern.
 *
 * Until the flush the database has older states than the unit, so nothing else in the transaction
 * reads routed_conversations: the only other reader, the slot counts, runs in the flush, after the writes.
 */
export class RoutedUnitOfWork {
  private readonly held = new Map<string, RoutedConversation>();
  /** Each held conversation's event counter as locked (or inserted), before the flush bumps it. */
  private readonly versions = new Map<string, number>();
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

  /** Locks and holds those of `ids` that exist; `inbox`: the batch's inbox insert, in the same statement. */
  async lockAll(ids: string[], inbox: CarriedInbox | null = null): Promise<void> {
    for (const locked of await this.routed.lockAll(this.tx, ids, inbox)) this.hold(locked);
  }

  /** The conversation, locked; from the database only if the unit does not hold it yet. */
  async find(id: string): Promise<RoutedConversation | null> {
    const held = this.held.get(id);
    if (held) return held;
    const found = await this.routed.lock(this.tx, id);
    if (found) this.hold(found);
    return found?.state ?? null;
  }

  /** A new conversation, written now (false when it was already there: a redelivered opening). */
  async insert(t: Transition, now: Date, cause: Cause): Promise<boolean> {
    if (!(await this.routed.insert(this.tx, t.state))) return false;
    this.hold({ state: t.state, eventVersion: 0 });
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
    // The event counters are bumped by the states' own write: one row version per conversation, in
    // the statement of the events. A conversation with versioned events and no transition of its own
    // (just inserted) is written too, for its counter.
    const counts = this.emitter.versionCounts(this.events);
    for (const id of counts.keys()) if (this.held.has(id)) this.changed.add(id);
    if (this.changed.size > 0) {
      const states = [...this.changed].map((id) => this.held.get(id)!);
      const after = await this.emitter.emitWith(
        this.tx,
        this.routed.saveStatement(states, counts),
        this.events,
        this.versions,
      );
      for (const [id, version] of after) this.versions.set(id, version);
    } else {
      // Events of no conversation held: none of them can carry a version.
      await this.emitter.emitMany(this.tx, this.events);
    }
    this.changed.clear();
    this.events = [];
    // Once per agent, with its counts after the whole unit, in one notification: it takes the agents'
    // version rows in id order, as every other does, so two transactions never wait on each other there.
    await this.slots.notifyEach(this.tx, this.slotsChanged);
    this.slotsChanged.clear();
  }

  private hold({ state, eventVersion }: LockedConversation): void {
    this.held.set(state.conversationId, state);
    this.versions.set(state.conversationId, eventVersion);
  }

  private follow(t: Transition, now: Date, cause: Cause): void {
    if (t.events.length > 0) this.events.push({ key: t.state.conversationId, events: t.events, now, cause });
    for (const agentId of t.slotsChangedFor) this.slotsChanged.set(agentId, { now, cause });
  }
}
