import { Injectable } from '@nestjs/common';
import type { ConversationView, Deadlines, Slots } from '@pupitre/shared';

/** How many conversations' views one gateway keeps (those on its connected desks; the oldest go first). */
export const DESK_VIEWS_LIMIT = 10_000;

interface Held {
  agentId: string;
  view: ConversationView;
}

interface LaterDeadlines {
  agentId: string;
  deadlines: Deadlines;
  at: string;
}

/** Keeps at most `limit` entries, forgetting the least recently written. */
class Bounded<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly limit: number) {}
  get(key: string): V | undefined {
    return this.map.get(key);
  }
  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.limit) this.map.delete(this.map.keys().next().value!);
  }
  delete(key: string): void {
    this.map.delete(key);
  }
  get size(): number {
    return this.map.size;
  }
}

/**
 * What this gateway last pushed to its desks, so that later changes are patched in without asking
 * any service: the views of the conversations on its connected desks (filled from conversation's
 * `conversation.assignment-recorded` and from `desk.state`, patched by the events that carry what
 * changed), and each agent's last slot counts with their version (an older one is dropped).
 */
@Injectable()
export class DeskViews {
  private readonly views = new Bounded<Held>(DESK_VIEWS_LIMIT);
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
    this.views.set(view.id, { agentId, view: fresher });
    return fresher;
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
    const patched = { agentId: held.agentId, view: change(held.view) };
    this.views.set(conversationId, patched);
    return patched;
  }

  /** Routing's new deadlines: patched in, or kept for the assignment record still on its way. */
  deadlines(conversationId: string, agentId: string, deadlines: Deadlines, at: string) {
    const held = this.views.get(conversationId);
    if (held?.agentId === agentId) return this.patch(conversationId, (v) => ({ ...v, deadlines }));
    this.early.set(conversationId, { agentId, deadlines, at });
    return undefined;
  }

  forget(conversationId: string): void {
    this.views.delete(conversationId);
    this.early.delete(conversationId);
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
