import { Injectable } from '@nestjs/common';
import type { ConversationView, Deadlines, Message, Slots } from '@pupitre/shared';
import { movedByVisitorMessage, withVisitorMessages } from '@pupitre/shared';
import { Bounded } from './bounded';

/** As many messages as a view carries (conversation's `latestOf`). */
const VIEW_MESSAGES = 50;

/** How many conversations' views one gateway keeps (those on its connected desks; the oldest go first). */
export const DESK_VIEWS_LIMIT = 10_000;

/** How many conversations' visitors one gateway remembers (`visitorOf`; the least recently seen go first). */
export const CONVERSATION_VISITORS_LIMIT = 100_000;

interface Held {
  agentId: string;
  view: ConversationView;
  /** When this gateway recorded the holder (`DeskViews.mark()` order). */
  stamp: number;
  /** Routing's event version the view's deadlines are as of, when known. */
  version?: number;
  /** R10's window while it runs: each visitor message moves the view's `reassignAt` (movedByVisitorMessage). */
  responseWindowMs?: number;
}

interface LaterDeadlines {
  agentId: string;
  deadlines: Deadlines;
  at: string;
  version?: number;
  responseWindowMs?: number;
}

/** Deadlines, R10's window, and routing's event version they are as of (undefined: from before versions). */
interface VersionedDeadlines {
  deadlines: Deadlines;
  version?: number;
  responseWindowMs?: number;
}

/** Whether `b` is known to be older than `a`: both carry routing's version and `b`'s is not above. */
const notNewer = (b: number | undefined, a: number | undefined): boolean =>
  a !== undefined && b !== undefined && b <= a;

/**
 * What this gateway last pushed to its desks, so that later changes are patched in without asking
 * any service: the views of the conversations on its connected desks (filled from conversation's
 * `conversation.assignment-recorded` and from `desk.state`, patched by the events that carry what
 * changed), and each agent's last slot counts with their version (an older one is dropped). While R10
 * runs, the view's deadline follows its visitor messages here: routing publishes R10's window, not
 * each move (movedByVisitorMessage).
 */
@Injectable()
export class DeskViews {
  private readonly views = new Bounded<Held>(DESK_VIEWS_LIMIT, (id, held) => this.unindex(id, held.agentId));
  /** The conversations `views` holds for each agent. */
  private readonly byAgent = new Map<string, Set<string>>();
  /** When each conversation was last forgotten (closed, unassigned), in `mark()` order. */
  private readonly gone = new Bounded<number>(DESK_VIEWS_LIMIT);
  private clock = 0;
  /** Routing's deadlines that came before conversation's record of the assignment they belong to. */
  private readonly early = new Bounded<LaterDeadlines>(DESK_VIEWS_LIMIT);
  private readonly slots = new Bounded<{ version: number; slots: Slots }>(DESK_VIEWS_LIMIT);
  /**
   * The latest visitor message time seen per conversation, held here or not: a view read before a
   * message this gateway has already fanned out (desk.state, an assignment record) is moved by it too.
   */
  private readonly visitorWrote = new Bounded<string>(DESK_VIEWS_LIMIT);
  /** The visitor of each conversation seen here (views held, messages fanned out), kept once forgotten. */
  private readonly visitors = new Bounded<string>(CONVERSATION_VISITORS_LIMIT);

  /**
   * A conversation now on `agentId`'s desks, its deadlines as of routing's event `version`. Routing's
   * deadlines newer than the view's win: those that came before it, and those this gateway already
   * holds for the same agent (a `desk.state` read before a deadline event it has since applied).
   */
  hold(
    agentId: string,
    view: ConversationView,
    version?: number,
    responseWindowMs?: number,
  ): ConversationView {
    this.noteVisitor(view.id, view.visitor.id);
    const later = this.early.get(view.id);
    this.early.delete(view.id);
    const before = this.views.get(view.id);
    let kept: VersionedDeadlines = { deadlines: view.deadlines, version, responseWindowMs };
    if (later && later.agentId === agentId && this.laterThan(later, kept.version, view.assignedAt))
      kept = later;
    if (before?.agentId === agentId && notNewer(kept.version, before.version))
      kept = {
        deadlines: before.view.deadlines,
        version: before.version,
        responseWindowMs: before.responseWindowMs,
      };
    const deadlines = this.moved(view.id, kept.deadlines, kept.responseWindowMs, view.messages);
    const fresher = deadlines === view.deadlines ? view : { ...view, deadlines };
    if (before && before.agentId !== agentId) this.unindex(view.id, before.agentId);
    this.views.set(view.id, {
      agentId,
      view: fresher,
      stamp: ++this.clock,
      version: kept.version,
      responseWindowMs: kept.responseWindowMs,
    });
    let held = this.byAgent.get(agentId);
    if (!held) this.byAgent.set(agentId, (held = new Set()));
    held.add(view.id);
    return fresher;
  }

  /** A point in this gateway's order of holds and forgets, to ask later what changed since. */
  mark(): number {
    return this.clock;
  }

  /** The views held for `agentId` (those recorded after `since` only, if given). */
  heldBy(agentId: string, since = -1): ConversationView[] {
    return [...(this.byAgent.get(agentId) ?? [])].flatMap((id) => {
      const held = this.views.get(id);
      return held && held.stamp > since ? [held.view] : [];
    });
  }

  /** Whether the conversation was forgotten, or recorded for another agent than `agentId`, after `since`. */
  leftSince(conversationId: string, agentId: string, since: number): boolean {
    const held = this.views.get(conversationId);
    if (held && held.stamp > since) return held.agentId !== agentId;
    return (this.gone.get(conversationId) ?? -1) > since;
  }

  /** The view last pushed for the conversation on `agentId`'s desks, if any. */
  viewOf(conversationId: string, agentId: string): ConversationView | undefined {
    const held = this.views.get(conversationId);
    return held?.agentId === agentId ? held.view : undefined;
  }

  /** Records whose conversation it is (from every event that says so). */
  noteVisitor(conversationId: string, visitorId: string): void {
    this.visitors.set(conversationId, visitorId);
  }

  /**
   * The conversation's visitor, if this gateway has seen it: a desk's writes to the conversation are
   * keyed by it (DeskCommands). Kept after the view is forgotten, so that the key does not change
   * while the conversation is worked on.
   */
  visitorOf(conversationId: string): string | undefined {
    return this.visitors.get(conversationId);
  }

  holder(conversationId: string): string | undefined {
    return this.views.get(conversationId)?.agentId;
  }

  /** Patches the view if this gateway holds it; the patched view, or undefined. */
  patch(
    conversationId: string,
    change: (view: ConversationView) => ConversationView,
  ): { agentId: string; view: ConversationView } | undefined {
    const held = this.views.get(conversationId);
    if (!held) return undefined;
    const patched = { ...held, view: change(held.view) };
    this.views.set(conversationId, patched);
    return { agentId: patched.agentId, view: patched.view };
  }

  /**
   * Routing's new deadlines (of its event `version`, with R10's window while it runs): patched in, moved
   * by the visitor messages the view already shows, or kept for the assignment record still on its
   * way. Undefined when nothing is to be pushed: not held here, or older than what is.
   */
  deadlines(
    conversationId: string,
    agentId: string,
    deadlines: Deadlines,
    at: string,
    version?: number,
    responseWindowMs?: number,
  ) {
    const held = this.views.get(conversationId);
    if (held?.agentId === agentId) {
      if (notNewer(version, held.version)) return undefined;
      // An event without a version (an older routing, during an upgrade) keeps the one held.
      const moved = this.moved(conversationId, deadlines, responseWindowMs, held.view.messages);
      const view = { ...held.view, deadlines: moved };
      const patched = { ...held, view, version: version ?? held.version, responseWindowMs };
      this.views.set(conversationId, patched);
      return { agentId, view };
    }
    const early = this.early.get(conversationId);
    if (early?.agentId === agentId && notNewer(version, early.version)) return undefined;
    this.early.set(conversationId, { agentId, deadlines, at, version, responseWindowMs });
    return undefined;
  }

  /**
   * A message of the conversation, added to its view (the latest VIEW_MESSAGES); a visitor's moves
   * R10's deadline while it runs. Whether the deadlines moved (the view is then to be pushed).
   */
  messagePosted(conversationId: string, message: Message): boolean {
    if (message.author.type === 'visitor') this.visitorWroteAt(conversationId, message.createdAt);
    const held = this.views.get(conversationId);
    if (!held) return false;
    const messages = [...held.view.messages, message].slice(-VIEW_MESSAGES);
    const deadlines =
      message.author.type === 'visitor'
        ? movedByVisitorMessage(held.view.deadlines, held.responseWindowMs, message.createdAt)
        : held.view.deadlines;
    this.views.set(conversationId, { ...held, view: { ...held.view, messages, deadlines } });
    return deadlines !== held.view.deadlines;
  }

  private visitorWroteAt(conversationId: string, at: string): void {
    const before = this.visitorWrote.get(conversationId);
    if (before === undefined || Date.parse(at) > Date.parse(before))
      this.visitorWrote.set(conversationId, at);
  }

  /** Deadlines moved by the visitor messages of the view and by those seen here (R10's window). */
  private moved(
    conversationId: string,
    deadlines: Deadlines,
    responseWindowMs: number | undefined,
    messages: readonly Message[],
  ): Deadlines {
    if (responseWindowMs === undefined) return deadlines;
    const fromView = withVisitorMessages(deadlines, responseWindowMs, messages);
    return movedByVisitorMessage(fromView, responseWindowMs, this.visitorWrote.get(conversationId));
  }

  /**
   * Whether deadlines that came before the assignment record are newer than the record's: by routing's
   * version when both carry one, else by time (those from before the assignment belong to an earlier one).
   */
  private laterThan(later: LaterDeadlines, version: number | undefined, assignedAt: string | null): boolean {
    if (later.version !== undefined && version !== undefined) return later.version > version;
    return assignedAt !== null && later.at > assignedAt;
  }

  /**
   * The conversation left this gateway's desks: closed, or (`agentId`) taken from that agent, when
   * deadlines kept early for the next holder's assignment record stay.
   */
  forget(conversationId: string, agentId?: string): void {
    const held = this.views.get(conversationId);
    if (held) this.unindex(conversationId, held.agentId);
    this.views.delete(conversationId);
    if (agentId === undefined || this.early.get(conversationId)?.agentId === agentId)
      this.early.delete(conversationId);
    if (agentId === undefined) this.visitorWrote.delete(conversationId); // closed: no more R10
    this.gone.set(conversationId, ++this.clock);
  }

  private unindex(conversationId: string, agentId: string): void {
    const held = this.byAgent.get(agentId);
    held?.delete(conversationId);
    if (held?.size === 0) this.byAgent.delete(agentId);
  }

  /** Whether these counts are newer than the last pushed for the agent (kept if so). */
  newerSlots(agentId: string, slots: Slots, version: number | undefined): boolean {
    const last = this.slots.get(agentId);
    if (version === undefined) return true; // an event from before versions: nothing to compare
    if (last && version <= last.version) return false;
    this.slots.set(agentId, { version, slots });
    return true;
  }

  lastSlots(agentId: string): { version: number; slots: Slots } | undefined {
    return this.slots.get(agentId);
  }

  get size(): number {
    return this.views.size;
  }
}
