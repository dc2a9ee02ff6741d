import { Injectable } from '@nestjs/common';
import type { ConversationView, Deadlines, Slots } from '@pupitre/shared';
import { Bounded } from './bounded';

/** How many conversations' views one gateway keeps (those on its connected desks; the oldest go first). */
export const DESK_VIEWS_LIMIT = 10_000;

interface Held {
  agentId: string;
  view: ConversationView;
  /** When this gateway recorded the holder (`DeskViews.mark()` order). */
  stamp: number;
}

interface LaterDeadlines {
  agentId: string;
  deadlines: Deadlines;
  at: string;
}

/**
 * What this gateway last pushed to its desks, so that later changes are patched in without asking
 * any service: the views of the conversations on its connected desks (filled from conversation's
 * `conversation.assignment-recorded` and from `desk.state`, patched by the events that carry what
 * changed), and each agent's last slot counts with their version (an older one is dropped).
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

  /** A conversation now on `agentId`'s desks; routing's deadlines newer than the view's win. */
  hold(agentId: string, view: ConversationView): ConversationView {
    const later = this.early.get(view.id);
    this.early.delete(view.id);
    const fresher =
      later && later.agentId === agentId && view.assignedAt !== null && later.at > view.assignedAt
        ? { ...view, deadlines: later.deadlines }
        : view;
    const before = this.views.get(view.id);
    if (before && before.agentId !== agentId) this.unindex(view.id, before.agentId);
    this.views.set(view.id, { agentId, view: fresher, stamp: ++this.clock });
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

  /** Routing's new deadlines: patched in, or kept for the assignment record still on its way. */
  deadlines(conversationId: string, agentId: string, deadlines: Deadlines, at: string) {
    const held = this.views.get(conversationId);
    if (held?.agentId === agentId) return this.patch(conversationId, (v) => ({ ...v, deadlines }));
    this.early.set(conversationId, { agentId, deadlines, at });
    return undefined;
  }

  forget(conversationId: string): void {
    const held = this.views.get(conversationId);
    if (held) this.unindex(conversationId, held.agentId);
    this.views.delete(conversationId);
    this.early.delete(conversationId);
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
