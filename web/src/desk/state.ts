import type { AgentStatus, ConversationView, Message, Slots } from '../common/contracts';

/** One conversation on the desk: the server's view, every message loaded, and what the desk keeps itself. */
export interface DeskConversation {
  view: ConversationView;
  /** The view's messages and any older ones loaded through `conversation.history`, oldest first. */
  messages: Message[];
  /** No older message left to load. */
  olderDone: boolean;
  /** Visitor messages the agent has not seen (kept by the desk). */
  unread: number;
}

export type Phase = 'signed-out' | 'connecting' | 'connected' | 'reconnecting';

export interface Notice {
  id: number;
  text: string;
  tone: 'info' | 'error';
}

export interface DeskModel {
  phase: Phase;
  /** Why the desk is signed out (a refused token), for the sign-in form. */
  signInError: string | null;
  agent: { id: string; name: string; status: AgentStatus } | null;
  slots: Slots | null;
  /** Conversation ids in list order: oldest arrival first, so rows do not jump around. */
  order: string[];
  byId: Record<string, DeskConversation>;
  selected: string | null;
  notices: Notice[];
}

export const initialModel = (phase: Phase = 'signed-out'): DeskModel => ({
  phase,
  signInError: null,
  agent: null,
  slots: null,
  order: [],
  byId: {},
  selected: null,
  notices: [],
});

const HISTORY_PAGE = 50;

/** Messages merged by id, oldest first (ISO times sort as strings). */
export function mergeMessages(a: Message[], b: Message[]): Message[] {
  const byId = new Map<string, Message>();
  for (const m of a) byId.set(m.id, m);
  for (const m of b) byId.set(m.id, m);
  return [...byId.values()].sort((x, y) =>
    x.createdAt < y.createdAt ? -1 : x.createdAt > y.createdAt ? 1 : 0,
  );
}

/** Visitor messages since the agent's last one: what a newly arrived conversation asks of the agent. */
export function trailingVisitorMessages(messages: Message[]): number {
  let n = 0;
  for (let i = messages.length - 1; i >= 0 && messages[i].author.type === 'visitor'; i--) n++;
  return n;
}

function withView(prev: DeskConversation | undefined, view: ConversationView): DeskConversation {
  if (!prev)
    return {
      view,
      messages: view.messages,
      olderDone: view.messages.length < HISTORY_PAGE,
      unread: trailingVisitorMessages(view.messages),
    };
  return { ...prev, view, messages: mergeMessages(prev.messages, view.messages) };
}

/** `desk.state` (on every connection): what the server says replaces the list; unread counts carry over. */
export function onDeskState(
  m: DeskModel,
  s: { agent: DeskModel['agent']; slots: Slots; conversations: ConversationView[] },
): DeskModel {
  const byId: Record<string, DeskConversation> = {};
  for (const v of s.conversations) byId[v.id] = withView(m.byId[v.id], v);
  const order = [
    ...m.order.filter((id) => byId[id]),
    ...s.conversations.map((v) => v.id).filter((id) => !m.byId[id]),
  ];
  const selected = m.selected && byId[m.selected] ? m.selected : (order[0] ?? null);
  return {
    ...m,
    phase: 'connected',
    signInError: null,
    agent: s.agent,
    slots: s.slots,
    byId,
    order,
    selected,
  };
}

export function onAssigned(m: DeskModel, view: ConversationView): DeskModel {
  const known = Boolean(m.byId[view.id]);
  return {
    ...m,
    byId: { ...m.byId, [view.id]: withView(m.byId[view.id], view) },
    order: known ? m.order : [...m.order, view.id],
    selected: m.selected ?? view.id,
  };
}

/** `conversation.updated`: only this conversation's entry changes. */
export function onUpdated(m: DeskModel, view: ConversationView): DeskModel {
  const prev = m.byId[view.id];
  if (!prev) return m;
  return { ...m, byId: { ...m.byId, [view.id]: withView(prev, view) } };
}

/** Gone from this desk (released, moved, transferred, closed). */
export function onGone(m: DeskModel, conversationId: string): DeskModel {
  if (!m.byId[conversationId]) return m;
  const { [conversationId]: _gone, ...byId } = m.byId;
  const index = m.order.indexOf(conversationId);
  const order = m.order.filter((id) => id !== conversationId);
  const selected =
    m.selected === conversationId ? (order[Math.min(index, order.length - 1)] ?? null) : m.selected;
  return { ...m, byId, order, selected };
}

/** `message.created`; `seen` tells whether the agent is looking at this conversation now. */
export function onMessage(m: DeskModel, message: Message, seen: boolean): DeskModel {
  const prev = m.byId[message.conversationId];
  if (!prev || prev.messages.some((x) => x.id === message.id)) return m;
  const unread = prev.unread + (message.author.type === 'visitor' && !seen ? 1 : 0);
  const next: DeskConversation = {
    ...prev,
    messages: mergeMessages(prev.messages, [message]),
    view: { ...prev.view, messages: [...prev.view.messages, message] },
    unread,
  };
  return { ...m, byId: { ...m.byId, [message.conversationId]: next } };
}

export function onOlder(m: DeskModel, conversationId: string, items: Message[], more: boolean): DeskModel {
  const prev = m.byId[conversationId];
  if (!prev) return m;
  const next = { ...prev, messages: mergeMessages(items, prev.messages), olderDone: !more };
  return { ...m, byId: { ...m.byId, [conversationId]: next } };
}

export function markRead(m: DeskModel, conversationId: string | null): DeskModel {
  const prev = conversationId ? m.byId[conversationId] : undefined;
  if (!conversationId || !prev || prev.unread === 0) return m;
  return { ...m, byId: { ...m.byId, [conversationId]: { ...prev, unread: 0 } } };
}

export function select(m: DeskModel, conversationId: string | null): DeskModel {
  return m.selected === conversationId ? m : { ...m, selected: conversationId };
}

export const totalUnread = (m: DeskModel): number =>
  m.order.reduce((n, id) => n + (m.byId[id]?.unread ?? 0), 0);
