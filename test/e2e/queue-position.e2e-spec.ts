import { waitFor } from '@pupitre/shared/testing';
import { factory } from './support/factories';
import type { VisitorSocket } from './support/sockets';
import { startSystem, System, Visitor } from './support/system';

/**
 * CONTRACT.md Additions: `queue.updated` on the visitor socket while a conversation waits (sent when
 * it starts waiting and whenever its position changes), and the same place in
 * `GET /v1/visitor/conversations`.
 */
describe('queue position (e2e)', () => {
  let sut: System;
  beforeAll(async () => {
    sut = await startSystem();
  });
  afterEach(() => sut.reset());
  afterAll(() => sut?.stop());

  const positionOf = (socket: VisitorSocket, conversationId: string) =>
    socket.all('queue.updated', (u) => u.conversationId === conversationId).map((u) => u.position);
  const waitPosition = (socket: VisitorSocket, conversationId: string, position: number) =>
    waitFor(() => positionOf(socket, conversationId).slice(-1)[0] === position, {
      what: `queue.updated ${conversationId} at ${position}`,
    });
  const listed = async (visitor: Visitor, conversationId: string) =>
    (await visitor.conversations()).find((c) => c.id === conversationId);

  it('three visitors waiting for one full agent see positions 1, 2, 3, and each moves up when one is assigned', async () => {
    const { desk } = await sut.agentAtDesk(factory.agent({ chatCapacity: 1 }));
    const first = await sut.visitor('web_chat');
    const held = await first.say('I take the only slot');
    await desk.assigned(held.conversationId);

    const waiting: { visitor: Visitor; socket: VisitorSocket; conversationId: string }[] = [];
    for (const n of [1, 2, 3]) {
      const visitor = await sut.visitor('web_chat');
      const socket = await visitor.socket();
      const { conversationId } = await visitor.say(`waiting ${n}`);
      await waitPosition(socket, conversationId, n);
      waiting.push({ visitor, socket, conversationId });
    }
    expect(waiting.map((w) => positionOf(w.socket, w.conversationId))).toEqual([[1], [2], [3]]);
    const second = await waitFor(
      async () => {
        const c = await listed(waiting[1].visitor, waiting[1].conversationId);
        return c?.queuePosition === 2 && c;
      },
      { what: 'GET /v1/visitor/conversations with queuePosition 2' },
    );
    expect(second).toMatchObject({ status: 'queued', queuePosition: 2 });

    // The agent closes what it holds: the head is assigned, the two others move up.
    expect((await desk.ask('conversation.close', { conversationId: held.conversationId })).ok).toBe(true);
    await desk.assigned(waiting[0].conversationId);
    await waitPosition(waiting[1].socket, waiting[1].conversationId, 1);
    await waitPosition(waiting[2].socket, waiting[2].conversationId, 2);

    expect((await desk.ask('conversation.close', { conversationId: waiting[0].conversationId })).ok).toBe(
      true,
    );
    await desk.assigned(waiting[1].conversationId);
    await waitPosition(waiting[2].socket, waiting[2].conversationId, 1);

    expect(waiting.map((w) => positionOf(w.socket, w.conversationId))).toEqual([[1], [2, 1], [3, 2, 1]]);
    const assigned = await waitFor(
      async () => {
        const c = await listed(waiting[1].visitor, waiting[1].conversationId);
        return c?.status === 'assigned' && c;
      },
      { what: 'the second waiting conversation assigned' },
    );
    expect(assigned.queuePosition).toBeUndefined();
    // A device that connects while the conversation waits learns its place at once.
    const late = await waiting[2].visitor.socket();
    await waitPosition(late, waiting[2].conversationId, 1);
  });
});
