import type { ConversationView, Message } from '../common/contracts';
import * as sut from './state';

const at = (s: number) => new Date(Date.UTC(2026, 10, 30, 9, 0, s)).toISOString();
let n = 0;
const msg = (conversationId: string, author: 'visitor' | 'agent', s: number): Message => ({
  id: `m${++n}`,
  conversationId,
  author: { type: author, id: author === 'agent' ? 'a1' : 'v1' },
  text: `${author} at ${s}`,
  createdAt: at(s),
});
const view = (id: string, messages: Message[] = []): ConversationView =>
  ({
    id,
    channel: 'mobile_app',
    status: 'assigned',
    visitor: { id: 'v1', name: 'V', platform: 'ios', blocked: false },
    tags: [],
    messages,
    assignedAt: at(0),
    deadlines: {},
    capabilities: {},
  }) as unknown as ConversationView;
const agent = { id: 'a1', name: 'A', status: 'available' as const };
const slots = { chat: { used: 0, capacity: 3 }, mobile: { used: 1, capacity: 2 } };
const connected = (views: ConversationView[]) =>
  sut.onDeskState(sut.initialModel('connecting'), { agent, slots, conversations: views });

describe('desk state', () => {
  it('a new conversation counts the visitor messages since the last agent one as unread', () => {
    const m = connected([]);
    const next = sut.onAssigned(
      m,
      view('c1', [msg('c1', 'visitor', 1), msg('c1', 'agent', 2), msg('c1', 'visitor', 3)]),
    );
    expect(next.byId.c1.unread).toBe(1);
    expect(next.order).toEqual(['c1']);
    expect(next.selected).toBe('c1');
  });

  it('a message changes only its own conversation entry (incremental rendering)', () => {
    const m = sut.onAssigned(sut.onAssigned(connected([]), view('c1')), view('c2'));
    const next = sut.onMessage(m, msg('c2', 'visitor', 5), false);
    expect(next.byId.c1).toBe(m.byId.c1);
    expect(next.order).toBe(m.order);
    expect(next.byId.c2.unread).toBe(1);
    expect(next.byId.c2.messages.map((x) => x.text)).toEqual(['visitor at 5']);
  });

  it('a message seen as it arrives is not unread; the same message twice counts once', () => {
    const m = sut.onAssigned(connected([]), view('c1'));
    const message = msg('c1', 'visitor', 5);
    const seen = sut.onMessage(m, message, true);
    expect(seen.byId.c1.unread).toBe(0);
    const twice = sut.onMessage(sut.onMessage(m, message, false), message, false);
    expect(twice.byId.c1.unread).toBe(1);
    expect(twice.byId.c1.messages).toHaveLength(1);
  });

  it('desk.state after a reconnection keeps unread counts and order, drops what left, adds what came', () => {
    let m = sut.onAssigned(sut.onAssigned(connected([]), view('c1')), view('c2'));
    m = sut.onMessage(m, msg('c2', 'visitor', 5), false);
    const again = sut.onDeskState(m, { agent, slots, conversations: [view('c3'), view('c2')] });
    expect(again.order).toEqual(['c2', 'c3']);
    expect(again.byId.c2.unread).toBe(1);
    expect(again.byId.c1).toBeUndefined();
    expect(again.phase).toBe('connected');
  });

  it('older messages from conversation.history go first; a full page leaves more to load', () => {
    const latest = Array.from({ length: 50 }, (_, i) => msg('c1', 'visitor', 100 + i));
    const m = sut.onAssigned(connected([]), view('c1', latest));
    expect(m.byId.c1.olderDone).toBe(false);
    const older = [msg('c1', 'visitor', 1), msg('c1', 'agent', 2)];
    const next = sut.onOlder(m, 'c1', older, false);
    expect(next.byId.c1.messages.slice(0, 2)).toEqual(older);
    expect(next.byId.c1.messages).toHaveLength(52);
    expect(next.byId.c1.olderDone).toBe(true);
  });

  it('a conversation that leaves selects its neighbour', () => {
    let m = connected([view('c1'), view('c2'), view('c3')]);
    m = sut.select(m, 'c2');
    expect(sut.onGone(m, 'c2').selected).toBe('c3');
    expect(sut.onGone(sut.select(m, 'c3'), 'c3').selected).toBe('c2');
  });

  it('reading a conversation clears its unread count; the title counts the rest', () => {
    let m = sut.onAssigned(sut.onAssigned(connected([]), view('c1')), view('c2'));
    m = sut.onMessage(sut.onMessage(m, msg('c1', 'visitor', 1), false), msg('c2', 'visitor', 2), false);
    expect(sut.totalUnread(m)).toBe(2);
    expect(sut.totalUnread(sut.markRead(m, 'c1'))).toBe(1);
  });
});
