import { randomUUID } from 'node:crypto';
import type { ConversationView, Message, Slots } from '@pupitre/shared';
import { DeskViews } from './desk-views';

const slots = (chat: number): Slots => ({
  chat: { used: chat, capacity: 5 },
  mobile: { used: 0, capacity: 2 },
});

const view = (o: Partial<ConversationView> = {}): ConversationView => ({
  id: randomUUID(),
  channel: 'web_chat',
  status: 'assigned',
  visitor: { id: randomUUID(), name: null, platform: 'web', blocked: false },
  tags: [],
  messages: [],
  assignedAt: '2026-11-30T06:00:00.000Z',
  deadlines: { reassignAt: '2026-11-30T06:05:00.000Z' },
  capabilities: {
    cannedResponses: true,
    block: true,
    emoji: true,
    tags: true,
    attachments: true,
    offersAndLinks: true,
    mirroring: true,
    navigationControl: true,
    transfer: true,
  },
  ...o,
});

const HOUR = 3_600_000;
const message = (
  type: 'visitor' | 'agent',
  createdAt: string,
  conversationId: string = randomUUID(),
): Message => ({
  id: randomUUID(),
  conversationId,
  author: { type, id: randomUUID() },
  text: 'hi',
  createdAt,
});

describe('DeskViews', () => {
  const agent = randomUUID();

  describe("R10's moves (routing publishes the window, not each move)", () => {
    const r10 = { reassignAt: '2026-11-30T18:00:00.000Z' }; // the visitor wrote at 06:00

    it('a visitor message moves the deadline while R10 runs; an agent message does not', () => {
      const views = new DeskViews();
      const v = views.hold(agent, view({ deadlines: r10 }), 3, 12 * HOUR);
      expect(views.messagePosted(v.id, message('visitor', '2026-11-30T06:01:00.000Z'))).toBe(true);
      expect(views.viewOf(v.id, agent)?.deadlines).toEqual({ reassignAt: '2026-11-30T18:01:00.000Z' });
      expect(views.messagePosted(v.id, message('agent', '2026-11-30T06:02:00.000Z'))).toBe(false);
      expect(views.viewOf(v.id, agent)?.messages).toHaveLength(2);
      // The same message again (a redelivery) or an older one moves nothing.
      expect(views.messagePosted(v.id, message('visitor', '2026-11-30T06:01:00.000Z'))).toBe(false);
    });

    it('without a window (R9, or the agent wrote last) visitor messages move nothing', () => {
      const views = new DeskViews();
      const v = views.hold(agent, view(), 3);
      expect(views.messagePosted(v.id, message('visitor', '2026-11-30T06:01:00.000Z'))).toBe(false);
      expect(views.viewOf(v.id, agent)?.deadlines).toEqual(view().deadlines);
    });

    it("routing's deadlines are moved by the visitor messages the view already shows", () => {
      const views = new DeskViews();
      const v = views.hold(agent, view({ deadlines: {} }), 3);
      views.messagePosted(v.id, message('visitor', '2026-11-30T06:03:00.000Z'));
      // Routing's event, published before it read that message: R10 from 06:00.
      const pushed = views.deadlines(v.id, agent, r10, '2026-11-30T06:00:00.000Z', 4, 12 * HOUR);
      expect(pushed?.view.deadlines).toEqual({ reassignAt: '2026-11-30T18:03:00.000Z' });
    });

    it('a view held from a record moves by its own messages, and keeps the window for those after', () => {
      const views = new DeskViews();
      const messages = [message('visitor', '2026-11-30T06:04:00.000Z')];
      const v = views.hold(agent, view({ deadlines: r10, messages }), 3, 12 * HOUR);
      expect(v.deadlines).toEqual({ reassignAt: '2026-11-30T18:04:00.000Z' });
      views.messagePosted(v.id, message('visitor', '2026-11-30T06:05:00.000Z'));
      expect(views.viewOf(v.id, agent)?.deadlines).toEqual({ reassignAt: '2026-11-30T18:05:00.000Z' });
    });

    it('a visitor message fanned out before the view was held (desk.state read before it) still moves it', () => {
      const views = new DeskViews();
      const v = view({ deadlines: r10 });
      views.messagePosted(v.id, message('visitor', '2026-11-30T06:07:00.000Z', v.id)); // not held yet
      expect(views.hold(agent, v, 3, 12 * HOUR).deadlines).toEqual({
        reassignAt: '2026-11-30T18:07:00.000Z',
      });
    });

    it("a newer event without a window (the agent answered) stops the moves: routing's deadlines as they are", () => {
      const views = new DeskViews();
      const v = views.hold(agent, view({ deadlines: r10 }), 3, 12 * HOUR);
      const r11 = { closeAt: '2026-12-07T06:10:00.000Z' };
      expect(views.deadlines(v.id, agent, r11, '2026-11-30T06:10:00.000Z', 4)?.view.deadlines).toBe(r11);
      expect(views.messagePosted(v.id, message('visitor', '2026-11-30T06:11:00.000Z'))).toBe(false);
      expect(views.viewOf(v.id, agent)?.deadlines).toBe(r11);
    });

    it('deadlines that came before the assignment record bring their window', () => {
      const views = new DeskViews();
      const v = view({ deadlines: {} });
      views.deadlines(v.id, agent, r10, '2026-11-30T06:00:01.000Z', 5, 12 * HOUR);
      views.hold(agent, v, 4);
      views.messagePosted(v.id, message('visitor', '2026-11-30T06:06:00.000Z'));
      expect(views.viewOf(v.id, agent)?.deadlines).toEqual({ reassignAt: '2026-11-30T18:06:00.000Z' });
    });
  });

  it('keeps only slot counts newer than the last for the agent', () => {
    const views = new DeskViews();
    expect(views.newerSlots(agent, slots(1), 1)).toBe(true);
    expect(views.newerSlots(agent, slots(3), 3)).toBe(true);
    expect(views.newerSlots(agent, slots(2), 2)).toBe(false);
    expect(views.newerSlots(agent, slots(3), 3)).toBe(false);
    expect(views.lastSlots(agent)).toEqual({ version: 3, slots: slots(3) });
  });

  it('patches a held view and ignores conversations it does not hold', () => {
    const views = new DeskViews();
    const v = views.hold(agent, view());
    expect(views.patch(v.id, (x) => ({ ...x, tags: ['vip'] }))).toEqual({
      agentId: agent,
      view: { ...v, tags: ['vip'] },
    });
    expect(views.patch(randomUUID(), (x) => x)).toBeUndefined();
    views.forget(v.id);
    expect(views.viewOf(v.id, agent)).toBeUndefined();
  });

  it('applies deadlines that came before the assignment record when they are newer', () => {
    const views = new DeskViews();
    const v = view();
    const later = { closeAt: '2026-12-07T06:01:00.000Z' };
    expect(views.deadlines(v.id, agent, later, '2026-11-30T06:01:00.000Z')).toBeUndefined();
    expect(views.hold(agent, v).deadlines).toEqual(later);

    const w = view();
    views.deadlines(w.id, agent, later, '2026-11-30T05:59:00.000Z'); // from an earlier assignment
    expect(views.hold(agent, w).deadlines).toEqual(w.deadlines);
  });

  it("drops a deadline event no newer than the held view's version (a desk.state read after it)", () => {
    const views = new DeskViews();
    const fresh = { reassignAt: '2026-11-30T06:09:00.000Z' };
    const v = views.hold(agent, view({ deadlines: fresh }), 7); // desk.state: routing's row at version 7
    const stale = { reassignAt: '2026-11-30T06:08:00.000Z' };
    expect(views.deadlines(v.id, agent, stale, '2026-11-30T06:03:00.000Z', 6)).toBeUndefined();
    expect(views.deadlines(v.id, agent, stale, '2026-11-30T06:03:00.000Z', 7)).toBeUndefined();
    expect(views.viewOf(v.id, agent)?.deadlines).toEqual(fresh);

    const newer = { reassignAt: '2026-11-30T06:10:00.000Z' };
    expect(views.deadlines(v.id, agent, newer, '2026-11-30T06:05:00.000Z', 8)?.view.deadlines).toEqual(newer);
    expect(views.viewOf(v.id, agent)?.deadlines).toEqual(newer);
  });

  it('keeps the newer deadlines it holds over those of a desk.state read before them', () => {
    const views = new DeskViews();
    const v = view();
    views.hold(agent, v, 3);
    const newer = { reassignAt: '2026-11-30T06:10:00.000Z' };
    views.deadlines(v.id, agent, newer, '2026-11-30T06:05:00.000Z', 5);
    // routing answered the desk at version 4, before its version 5 event reached this gateway
    const read = views.hold(agent, { ...v, deadlines: { reassignAt: '2026-11-30T06:07:00.000Z' } }, 4);
    expect(read.deadlines).toEqual(newer);
    expect(views.deadlines(v.id, agent, v.deadlines, '2026-11-30T06:04:00.000Z', 4)).toBeUndefined();
  });

  it('compares early deadlines with the assignment record by version when both carry one', () => {
    const views = new DeskViews();
    const later = { closeAt: '2026-12-07T06:01:00.000Z' };
    const v = view();
    views.deadlines(v.id, agent, later, '2026-11-30T05:59:00.000Z', 9); // clock skew: earlier `at`
    expect(views.hold(agent, v, 8).deadlines).toEqual(later);

    const w = view();
    views.deadlines(w.id, agent, later, '2026-11-30T06:01:00.000Z', 4); // an earlier assignment's
    views.deadlines(w.id, agent, { closeAt: '2026-12-07T06:00:00.000Z' }, '2026-11-30T06:00:30.000Z', 3);
    expect(views.hold(agent, w, 5).deadlines).toEqual(w.deadlines);
  });

  it('keeps the version it holds over an event without one (an older routing, during an upgrade)', () => {
    const views = new DeskViews();
    const v = views.hold(agent, view(), 5);
    const unversioned = { reassignAt: '2026-11-30T06:11:00.000Z' };
    expect(views.deadlines(v.id, agent, unversioned, '2026-11-30T06:06:00.000Z')?.view.deadlines).toEqual(
      unversioned,
    );
    expect(views.deadlines(v.id, agent, v.deadlines, '2026-11-30T06:01:00.000Z', 4)).toBeUndefined();
  });

  it("taking the conversation from its agent keeps the next holder's early deadlines; a close drops them", () => {
    const views = new DeskViews();
    const v = views.hold('ana', view(), 6);
    const bobs = { reassignAt: '2026-11-30T06:20:00.000Z' };
    views.deadlines(v.id, 'bob', bobs, '2026-11-30T06:15:00.000Z', 8); // before bob's assignment record
    views.forget(v.id, 'ana');
    expect(views.hold('bob', view({ id: v.id }), 7).deadlines).toEqual(bobs);

    views.deadlines(v.id, 'cleo', bobs, '2026-11-30T06:16:00.000Z', 10);
    views.forget(v.id); // closed
    expect(views.hold('cleo', view({ id: v.id }), 9).deadlines).toEqual(view().deadlines);
  });

  it('indexes what each agent holds: moves, forgets and what changed since a mark', () => {
    const views = new DeskViews();
    const a = view();
    const b = view();
    views.hold('ana', a);
    const since = views.mark();
    views.hold('ana', b);
    expect(views.heldBy('ana').map((v) => v.id)).toEqual([a.id, b.id]);
    expect(views.heldBy('ana', since).map((v) => v.id)).toEqual([b.id]);
    expect(views.leftSince(a.id, 'ana', since)).toBe(false);

    views.hold('bob', a); // moved
    expect(views.heldBy('ana').map((v) => v.id)).toEqual([b.id]);
    expect(views.heldBy('bob').map((v) => v.id)).toEqual([a.id]);
    expect(views.leftSince(a.id, 'ana', since)).toBe(true);

    views.forget(b.id); // closed or unassigned
    expect(views.heldBy('ana')).toEqual([]);
    expect(views.leftSince(b.id, 'ana', since)).toBe(true);
    expect(views.leftSince(b.id, 'ana', views.mark())).toBe(false);
    views.patch(a.id, (v) => ({ ...v, tags: ['x'] }));
    expect(views.heldBy('bob', since)[0].tags).toEqual(['x']);
  });
});

describe('DeskViews.visitorOf', () => {
  it("remembers a conversation's visitor from its view and its messages, after the view is forgotten too", () => {
    const views = new DeskViews();
    const held = view();
    const other = randomUUID();
    const visitor = randomUUID();
    expect(views.visitorOf(held.id)).toBeUndefined();

    views.hold('ana', held);
    views.forget(held.id);
    views.noteVisitor(other, visitor);

    expect(views.visitorOf(held.id)).toBe(held.visitor.id);
    expect(views.visitorOf(other)).toBe(visitor);
  });
});
