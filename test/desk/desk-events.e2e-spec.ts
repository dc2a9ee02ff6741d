import { waitFor } from '@pupitre/shared/testing';
import { RequestClient } from '../../apps/gateway/src/kafka';
import { factory } from '../e2e/support/factories';
import type { Ack } from '../e2e/support/sockets';
import { startSystem, System } from '../e2e/support/system';

/**
 * Issue 7, item 1: the desk is fed by events that carry what changed. A conversation comes to a desk
 * from conversation's record of routing's assignment (so its agent can answer at once), later changes
 * are patched in by the gateway without asking any service, and slot counts carry a version.
 * Every request the gateway sends goes through RequestClient.request: the spy counts them.
 */
describe('desk events (issue 7, item 1)', () => {
  let sut: System;
  const requests = jest.spyOn(RequestClient.prototype, 'request');
  const ops = () => requests.mock.calls.map(([service, op]) => `${service} ${String(op)}`);

  beforeAll(async () => {
    sut = await startSystem();
  });
  afterEach(() => sut.reset());
  afterAll(async () => {
    requests.mockRestore();
    await sut?.stop();
  });

  it('a visitor message to a conversation on a desk reaches it with no request but the visitor’s own', async () => {
    const { desk } = await sut.agentAtDesk();
    const visitor = await sut.visitor('web_chat');
    const { conversationId } = await visitor.say('bonjour');
    await desk.assigned(conversationId);
    // The agent answers (R11's clock starts): the visitor's next message moves the deadlines (R10).
    const reply = await desk.send(conversationId, 'Bonjour !');
    expect(reply.ok).toBe(true);
    await desk.next('conversation.updated', (p) =>
      p.conversation.messages.some((m) => m.id === reply.messageId),
    );
    const updatesBefore = desk.all('conversation.updated').length;

    requests.mockClear();
    const { messageId } = await visitor.say('encore une question');
    await desk.next('message.created', (p) => p.message.id === messageId);
    // Routing's new deadlines for this message, patched into the view the desk holds.
    const updated = await waitFor(
      () =>
        desk
          .all('conversation.updated')
          .slice(updatesBefore)
          .find((p) => p.conversation.messages.some((m) => m.id === messageId)),
      { what: 'conversation.updated carrying the new message' },
    );
    expect(updated.conversation.id).toBe(conversationId);
    expect(updated.conversation.tags).toEqual([]);
    expect(ops()).toEqual(['conversation visitor.post-message']);
  });

  it('tags reach the desk as a patched view, with no call-back', async () => {
    const { desk } = await sut.agentAtDesk();
    const visitor = await sut.visitor('web_chat');
    const { conversationId } = await visitor.say('bonjour');
    await desk.assigned(conversationId);
    requests.mockClear();
    expect(await desk.ask('conversation.tag.add', { conversationId, tag: 'vip' })).toMatchObject({
      ok: true,
    });
    const updated = await desk.next('conversation.updated', (p) => p.conversation.tags.includes('vip'));
    expect(updated.conversation.messages.map((m) => m.text)).toContain('bonjour');
    expect(ops()).toEqual(['conversation agent.tag']);
  });

  it('a desk never receives an older slot count after a newer one', async () => {
    // Counts only go up while conversations are assigned, and only down while they close: an older
    // count arriving after a newer one would show as a step back.
    const { desk } = await sut.agentAtDesk(factory.agent({ chatCapacity: 20 }));
    const chatCounts = (from: number) =>
      desk
        .all('slots.updated')
        .slice(from)
        .map((s) => s.chat.used);
    for (let round = 0; round < 3; round++) {
      const up = desk.all('slots.updated').length;
      const visitors = await Promise.all(Array.from({ length: 10 }, () => sut.visitor('web_chat')));
      const opened = await Promise.all(visitors.map((v) => v.say('bonjour')));
      await waitFor(() => desk.last('slots.updated')?.chat.used === 10, { what: 'chat slots at 10' });
      const rising = chatCounts(up);
      expect(rising).toEqual([...rising].sort((a, b) => a - b));

      // Closing is the agent's command: it waits for the desk to show the conversation (conversation's
      // record of the assignment), which may come after routing's slot count.
      await Promise.all(opened.map((o) => desk.holds(o.conversationId)));
      const down = desk.all('slots.updated').length;
      const acks = await Promise.all(
        opened.map((o) => desk.ask('conversation.close', { conversationId: o.conversationId })),
      );
      expect(acks.every((a) => a.ok)).toBe(true);
      await waitFor(() => desk.last('slots.updated')?.chat.used === 0, { what: 'chat slots back to 0' });
      const falling = chatCounts(down);
      expect(falling).toEqual([...falling].sort((a, b) => b - a));
    }
  });

  it('an agent’s first reply, sent as conversation.assigned arrives, is accepted', async () => {
    const { desk } = await sut.agentAtDesk(factory.agent({ chatCapacity: 20 }));
    const replies: Promise<Ack>[] = [];
    desk.socket.on('conversation.assigned', ({ conversation }: { conversation: { id: string } }) => {
      replies.push(desk.send(conversation.id, 'Bonjour, je suis là'));
    });
    const rounds = 15;
    for (let round = 0; round < rounds; round++) {
      const visitors = await Promise.all(Array.from({ length: 3 }, () => sut.visitor('web_chat')));
      const opened = await Promise.all(visitors.map((v) => v.say('bonjour')));
      await waitFor(() => replies.length >= (round + 1) * 3, { what: `replies of round ${round}` });
      const acks = await Promise.all(replies.slice(round * 3));
      expect(acks).toEqual(acks.map(() => ({ ok: true, messageId: expect.any(String) })));
      await Promise.all(
        opened.map((o) => desk.ask('conversation.close', { conversationId: o.conversationId })),
      );
    }
  });
});
