import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io';
import type { ConversationEvent, ConversationView, RoutingEvent } from '@pupitre/shared';
import type { TokenService } from '../auth';
import { DeskViews } from './desk-views';
import { DEADLINE_PUSH_INTERVAL_MS, FanoutService } from './fanout.service';
import { QueuePositions } from './queue-positions';
import type { SocketHub } from './socket-hub';

/** A desk socket as the fan-out sees it: its agent and the token version it was opened with. */
function deskSocket(agentId: string, tokenVersion: number) {
  const socket = {
    data: { agent: { id: agentId } },
    handshake: { auth: { token: `${agentId}@${tokenVersion}` } },
    disconnected: false,
    disconnect: () => {
      socket.disconnected = true;
    },
  };
  return socket;
}

const tokens = {
  agentOfAnyAge: (token: unknown) => {
    const [agentId, version] = String(token).split('@');
    return { agentId, tokenVersion: Number(version) };
  },
} as unknown as TokenService;

const rotation = (agentId: string, tokenVersion: number) =>
  ({
    eventId: randomUUID(),
    type: 'agent.token-rotated',
    data: { agentId, tokenVersion },
  }) as unknown as RoutingEvent;

/** A namespace that records what is emitted to which room. */
function namespace() {
  const emitted: { room: string; event: string; payload: unknown }[] = [];
  const nsp = {
    to: (room: string) => ({
      emit: (event: string, payload: unknown) => emitted.push({ room, event, payload }),
    }),
  };
  return { emitted, nsp };
}

describe(FanoutService.name, () => {
  it('drops an event it already fanned out (a relay takeover republishes), so a desk never shows it twice', async () => {
    const desk = namespace();
    const visitor = namespace();
    const hub = { desk: desk.nsp, visitor: visitor.nsp };
    const sut = new FanoutService(hub as unknown as SocketHub, new DeskViews(), tokens, new QueuePositions());
    const posted = {
      eventId: randomUUID(),
      type: 'message.posted',
      data: {
        conversationId: 'c1',
        visitorId: 'v1',
        message: { id: 'm1', author: 'visitor', text: 'hello' },
      },
    } as unknown as ConversationEvent;

    await sut.conversationEvent(posted);
    await sut.conversationEvent({ ...posted });
    await sut.conversationEvent({ ...posted, eventId: randomUUID() } as ConversationEvent);

    expect(desk.emitted.filter((e) => e.event === 'message.created')).toHaveLength(2);
    expect(visitor.emitted.filter((e) => e.event === 'message.created')).toHaveLength(2);
  });

  it('a rotated token ends the desks opened with an older version, and only those', async () => {
    const old = deskSocket('a1', 1);
    const fresh = deskSocket('a1', 2);
    const other = deskSocket('b2', 1);
    const hub = { desk: { sockets: new Map([old, fresh, other].map((s, i) => [String(i), s])) } };
    const sut = new FanoutService(hub as unknown as SocketHub, new DeskViews(), tokens, new QueuePositions());
    await sut.routingEvent(rotation('a1', 2));
    expect([old.disconnected, fresh.disconnected, other.disconnected]).toEqual([true, false, false]);
  });

  it('a desk still in its handshake when the rotation came is recognised once it connects', async () => {
    const hub = { desk: { sockets: new Map() } };
    const sut = new FanoutService(hub as unknown as SocketHub, new DeskViews(), tokens, new QueuePositions());
    await sut.routingEvent(rotation('a1', 3));
    expect(sut.openedWithRotatedToken(deskSocket('a1', 2) as unknown as Socket)).toBe(true);
    expect(sut.openedWithRotatedToken(deskSocket('a1', 3) as unknown as Socket)).toBe(false);
    expect(sut.openedWithRotatedToken(deskSocket('b2', 1) as unknown as Socket)).toBe(false);
  });

  it('queue.changed: queue.updated to the rooms of visitors with a socket here, none for the others', async () => {
    const [c1, c2] = ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002'];
    const [v1, v2] = ['00000000-0000-4000-9000-000000000001', '00000000-0000-4000-9000-000000000002'];
    const emitted: [string, string, unknown][] = [];
    const visitor = {
      adapter: { rooms: new Map([[`visitor:${v2}`, new Set(['socket-1'])]]) },
      to: (room: string) => ({
        emit: (name: string, payload: unknown) => emitted.push([room, name, payload]),
      }),
    };
    const hub = { desk: { sockets: new Map() }, visitor };
    const sut = new FanoutService(hub as unknown as SocketHub, new DeskViews(), tokens, new QueuePositions());
    const queued = [
      { conversationId: c1, visitorId: v1 },
      { conversationId: c2, visitorId: v2 },
    ];
    await sut.routingEvent({
      type: 'queue.changed',
      data: { channel: 'web_chat', version: 1, queued, secondsPerAssignment: 30 },
    } as unknown as RoutingEvent);
    expect(emitted).toEqual([
      [`visitor:${v2}`, 'queue.updated', { conversationId: c2, position: 2, estimatedWaitSeconds: 60 }],
    ]);
  });

  describe('deadline changes (routing publishes them; while R10 runs, visitor messages move them)', () => {
    const conversationId = '00000000-0000-4000-8000-0000000000c1';
    const at = (minute: number) => `2026-12-01T0${minute}:00:00.000Z`;
    const deadlines = (n: number) => ({
      eventId: randomUUID(),
      type: 'conversation.deadlines-changed',
      occurredAt: at(1),
      data: { conversationId, agentId: 'a1', deadlines: { reassignAt: `2026-12-01T12:00:0${n}.000Z` } },
    });
    let updates: unknown[];
    let sut: FanoutService;
    let views: DeskViews;

    beforeEach(() => {
      jest.useFakeTimers();
      updates = [];
      const desk = {
        to: () => ({
          emit: (event: string, payload: { toJSON(): unknown }) => {
            if (event === 'conversation.updated') updates.push(payload.toJSON());
          },
        }),
        in: () => ({ socketsLeave: () => undefined }),
      };
      const visitor = { to: () => ({ emit: () => undefined }) };
      views = new DeskViews();
      views.hold('a1', {
        id: conversationId,
        visitor: { id: '3f1e2d3c-4b5a-4c6d-8e7f-9a0b1c2d3e4f' },
        tags: [],
        messages: [],
        assignedAt: at(0),
        deadlines: { reassignAt: '2026-12-01T12:00:00.000Z' },
      } as unknown as ConversationView);
      sut = new FanoutService({ desk, visitor } as unknown as SocketHub, views, tokens, new QueuePositions());
    });
    afterEach(() => {
      sut.onModuleDestroy();
      jest.useRealTimers();
    });
    const reassignAts = () =>
      updates.map((u) => (u as { conversation: ConversationView }).conversation.deadlines.reassignAt);

    it('the first pushes the view at once; those within the interval fold into one with the latest', async () => {
      await sut.routingEvent(deadlines(1) as unknown as RoutingEvent);
      await sut.routingEvent(deadlines(2) as unknown as RoutingEvent);
      await sut.routingEvent(deadlines(3) as unknown as RoutingEvent);
      expect(reassignAts()).toEqual(['2026-12-01T12:00:01.000Z']);
      await jest.advanceTimersByTimeAsync(DEADLINE_PUSH_INTERVAL_MS);
      expect(reassignAts()).toEqual(['2026-12-01T12:00:01.000Z', '2026-12-01T12:00:03.000Z']);
    });

    it("while R10 runs, visitor messages move its deadline here, pushed like routing's changes", async () => {
      const started = deadlines(0);
      const r10 = { ...started, data: { ...started.data, responseWindowMs: 12 * 3_600_000, version: 5 } };
      const posted = (type: 'visitor' | 'agent', createdAt: string) => ({
        eventId: randomUUID(),
        type: 'message.posted',
        data: {
          conversationId,
          visitorId: 'v1',
          message: { id: randomUUID(), conversationId, author: { type, id: 'x1' }, text: 'hi', createdAt },
        },
      });
      await sut.routingEvent(r10 as unknown as RoutingEvent);
      await sut.conversationEvent(
        posted('visitor', '2026-12-01T00:00:07.000Z') as unknown as ConversationEvent,
      );
      await sut.conversationEvent(
        posted('agent', '2026-12-01T00:00:08.000Z') as unknown as ConversationEvent,
      );
      await jest.advanceTimersByTimeAsync(DEADLINE_PUSH_INTERVAL_MS);
      expect(reassignAts()).toEqual(['2026-12-01T12:00:00.000Z', '2026-12-01T12:00:07.000Z']);
      expect(views.viewOf(conversationId, 'a1')?.messages).toHaveLength(2);
    });

    it('with no window (R9), a visitor message pushes nothing', async () => {
      const posted = {
        eventId: randomUUID(),
        type: 'message.posted',
        data: {
          conversationId,
          visitorId: 'v1',
          message: {
            id: 'm1',
            conversationId,
            author: { type: 'visitor', id: 'x1' },
            text: 'hi',
            createdAt: at(2),
          },
        },
      };
      await sut.conversationEvent(posted as unknown as ConversationEvent);
      await jest.advanceTimersByTimeAsync(DEADLINE_PUSH_INTERVAL_MS);
      expect(updates).toEqual([]);
    });

    it('nothing is pushed late for a conversation closed meanwhile', async () => {
      await sut.routingEvent(deadlines(1) as unknown as RoutingEvent);
      await sut.routingEvent(deadlines(2) as unknown as RoutingEvent);
      const closed = {
        eventId: randomUUID(),
        type: 'conversation.closed',
        data: { conversationId, visitorId: 'v1', reason: 'agent' },
      };
      await sut.conversationEvent(closed as unknown as ConversationEvent);
      await jest.advanceTimersByTimeAsync(DEADLINE_PUSH_INTERVAL_MS);
      expect(reassignAts()).toEqual(['2026-12-01T12:00:01.000Z']);
    });
  });
});
