import { waitFor } from '@pupitre/shared/testing';
import { expectAckError, ISO_TIME, UUID } from './support/expectations';
import { factory } from './support/factories';
import { startSystem, System, Visitor } from './support/system';

const INACTIVITY_CLOSE_MS = 604_800_000;
const RESPONSE_TIMEOUT_MS = 43_200_000;

/** A conversation's life through the desk: reply, tags, release (R6–R8), transfer, close (R12–R14). */
describe('conversation lifecycle (e2e)', () => {
  let sut: System;
  beforeAll(async () => {
    sut = await startSystem();
  });
  afterEach(() => sut.reset());
  afterAll(() => sut?.stop());

  const statusOf = async (visitor: Visitor, conversationId: string) =>
    (await visitor.conversations()).find((c) => c.id === conversationId)?.status;
  const remunerationsOf = async (agentId: string) => {
    const res = await sut.admin.remunerations({ agentId });
    expect(res.status).toBe(200);
    return res.body;
  };

  it('R12–R14: the agent closes; both sides hear it; the next visitor message starts a new conversation; the writer is paid once', async () => {
    const { agent, desk } = await sut.agentAtDesk();
    const visitor = await sut.visitor('web_chat');
    const device = await visitor.socket();
    const first = await visitor.say('Ma commande est en retard');
    const { conversationId } = first;
    await desk.assigned(conversationId);
    await desk.send(conversationId, 'Je regarde');
    const last = await desk.send(conversationId, 'Elle arrive demain. Bonne journée !');

    expect(await desk.ask('conversation.close', { conversationId })).toEqual({ ok: true });

    const closed = { conversationId, reason: 'agent' };
    expect(await desk.next('conversation.closed', (p) => p.conversationId === conversationId)).toEqual(
      closed,
    );
    expect(await device.next('conversation.closed')).toEqual(closed);
    const [summary] = await visitor.conversations();
    expect(summary).toEqual({
      id: conversationId,
      channel: 'web_chat',
      status: 'closed',
      createdAt: expect.stringMatching(ISO_TIME),
      closedAt: expect.stringMatching(ISO_TIME),
      closeReason: 'agent',
    });
    expectAckError(await desk.send(conversationId, 'after the close'), 'FORBIDDEN');
    expectAckError(await desk.ask('conversation.close', { conversationId }), 'FORBIDDEN');

    // R13: never reopened; a new conversation, queued and assigned like any other.
    const again = await visitor.say('Finalement non, pas reçue');
    expect(again.conversationId).not.toBe(conversationId);
    await desk.assigned(again.conversationId);
    const list = await visitor.conversations();
    expect(list.map((c) => [c.id, c.status])).toEqual([
      [again.conversationId, 'assigned'],
      [conversationId, 'closed'],
    ]);
    const oldHistory = await visitor.messages(conversationId);
    expect(oldHistory.body.items.map((m) => m.text)).toEqual([
      'Ma commande est en retard',
      'Je regarde',
      'Elle arrive demain. Bonne journée !',
    ]);

    // R14: one remuneration, for the author of the last agent message.
    const paid = await waitFor(async () => {
      const r = await remunerationsOf(agent.id);
      return r.items.length > 0 && r;
    });
    expect(paid).toEqual({
      items: [
        {
          eventId: expect.stringMatching(UUID),
          conversationId,
          agentId: agent.id,
          channel: 'web_chat',
          closedAt: summary.closedAt,
          closeReason: 'agent',
          lastAgentMessageId: last.messageId,
          amountMinor: 100,
          currency: 'EUR',
          attributedAt: expect.stringMatching(ISO_TIME),
        },
      ],
      total: { amountMinor: 100, currency: 'EUR' },
    });
  });

  it('R14: paid to the author of the last agent message, not to whoever holds or closes it (web transfer)', async () => {
    const ana = await sut.agentAtDesk();
    const visitor = await sut.visitor('web_chat');
    const { conversationId } = await visitor.say('Bonjour');
    await ana.desk.assigned(conversationId);
    const anaLast = await ana.desk.send(conversationId, 'Je vous passe un collègue');
    const full = await sut.agentAtDesk(factory.agent({ chatCapacity: 0 }));
    const bob = await sut.agentAtDesk(factory.agent({ chatCapacity: 1 }));

    expectAckError(
      await ana.desk.ask('conversation.transfer', { conversationId, toAgentId: full.agent.id }),
      'CONFLICT',
    );
    expect(await ana.desk.ask('conversation.transfer', { conversationId, toAgentId: bob.agent.id })).toEqual({
      ok: true,
    });

    expect(
      await ana.desk.next('conversation.unassigned', (p) => p.conversationId === conversationId),
    ).toEqual({
      conversationId,
      reason: 'transferred',
    });
    const moved = await bob.desk.assigned(conversationId);
    expect(moved.messages.map((m) => m.id)).toContain(anaLast.messageId);
    expectAckError(await ana.desk.send(conversationId, 'encore moi'), 'FORBIDDEN');
    await waitFor(() => ana.desk.last('slots.updated')?.chat.used === 0);
    expect(await bob.desk.ask('conversation.close', { conversationId })).toEqual({ ok: true });

    const paid = await waitFor(async () => {
      const r = await remunerationsOf(ana.agent.id);
      return r.items.length > 0 && r;
    });
    expect(paid.items).toEqual([
      expect.objectContaining({
        conversationId,
        agentId: ana.agent.id,
        lastAgentMessageId: anaLast.messageId,
      }),
    ]);
    expect((await remunerationsOf(bob.agent.id)).items).toEqual([]);
  });

  it('R14: no agent message, no remuneration; a mobile conversation pays the mobile rate', async () => {
    const { agent, desk } = await sut.agentAtDesk();
    const silent = await (await sut.visitor('mobile_app')).say('allô ?');
    await desk.assigned(silent.conversationId);
    expect(await desk.ask('conversation.close', { conversationId: silent.conversationId })).toEqual({
      ok: true,
    });
    const answered = await (await sut.visitor('mobile_app')).say('allô ?');
    await desk.assigned(answered.conversationId);
    const reply = await desk.send(answered.conversationId, 'Oui ?');
    expect(await desk.ask('conversation.close', { conversationId: answered.conversationId })).toEqual({
      ok: true,
    });

    const paid = await waitFor(async () => {
      const r = await remunerationsOf(agent.id);
      return r.items.length > 0 && r;
    });

    expect(paid).toEqual({
      items: [
        expect.objectContaining({
          conversationId: answered.conversationId,
          channel: 'mobile_app',
          lastAgentMessageId: reply.messageId,
          amountMinor: 150,
        }),
      ],
      total: { amountMinor: 150, currency: 'EUR' },
    });
  });

  it('R7: released after a visitor message, it goes straight back to the queue and to another agent', async () => {
    const ana = await sut.agentAtDesk();
    const visitor = await sut.visitor('mobile_app');
    const { conversationId } = await visitor.say('Bonjour ?');
    await ana.desk.assigned(conversationId);
    await waitFor(() => ana.desk.last('slots.updated')?.mobile.used === 1);
    const bob = await sut.agentAtDesk();

    expect(await ana.desk.ask('conversation.release', { conversationId })).toEqual({ ok: true });

    expect(
      await ana.desk.next('conversation.unassigned', (p) => p.conversationId === conversationId),
    ).toEqual({
      conversationId,
      reason: 'released',
    });
    await waitFor(() => ana.desk.last('slots.updated')?.mobile.used === 0);
    await bob.desk.assigned(conversationId);
    expect(ana.desk.held().has(conversationId)).toBe(false);
    await waitFor(async () => (await statusOf(visitor, conversationId)) === 'assigned');
    expectAckError(await ana.desk.send(conversationId, 'je reviens'), 'FORBIDDEN');
  });

  it('R8: released after the agent wrote, it waits (released); the visitor writing again puts the same conversation back', async () => {
    const ana = await sut.agentAtDesk();
    const visitor = await sut.visitor('mobile_app');
    const { conversationId } = await visitor.say('Question');
    await ana.desk.assigned(conversationId);
    const reply = await ana.desk.send(conversationId, 'Réponse');
    const bob = await sut.agentAtDesk();

    expect(await ana.desk.ask('conversation.release', { conversationId })).toEqual({ ok: true });

    expect(
      await ana.desk.next('conversation.unassigned', (p) => p.conversationId === conversationId),
    ).toEqual({
      conversationId,
      reason: 'released',
    });
    await waitFor(async () => (await statusOf(visitor, conversationId)) === 'released');
    expect(bob.desk.held().has(conversationId)).toBe(false);
    expect(reply.ok).toBe(true);

    const back = await visitor.say('Merci, autre question');

    expect(back.conversationId).toBe(conversationId);
    await waitFor(() => ana.desk.held().has(conversationId) || bob.desk.held().has(conversationId), {
      what: 'the conversation assigned again',
    });
    await waitFor(async () => (await statusOf(visitor, conversationId)) === 'assigned');
  });

  it('deadlines follow the timeline: R9 until the first reply, then R11 (closeAt), then R10 when the visitor writes', async () => {
    const { desk } = await sut.agentAtDesk();
    const visitor = await sut.visitor('web_chat');
    const { conversationId } = await visitor.say('Bonjour');
    const assigned = await desk.assigned(conversationId);
    expect(assigned.deadlines).toEqual({ reassignAt: expect.stringMatching(ISO_TIME) });

    const reply = await desk.send(conversationId, 'Bonjour !');
    const [replied] = (await visitor.messages(conversationId)).body.items.filter(
      (m) => m.id === reply.messageId,
    );
    const afterReply = await desk.next(
      'conversation.updated',
      (p) => p.conversation.id === conversationId && !p.conversation.deadlines.reassignAt,
    );
    expect(afterReply.conversation.deadlines).toEqual({
      closeAt: new Date(Date.parse(replied.createdAt) + INACTIVITY_CLOSE_MS).toISOString(),
    });

    const asked = await visitor.say('Une autre question');
    const afterVisitor = await desk.next(
      'conversation.updated',
      (p) => p.conversation.id === conversationId && !!p.conversation.deadlines.reassignAt,
    );
    expect(afterVisitor.conversation.deadlines).toEqual({
      reassignAt: new Date(Date.parse(asked.createdAt) + RESPONSE_TIMEOUT_MS).toISOString(),
    });
    expect(afterVisitor.conversation.status).toBe('assigned');
  });

  it("R10 follows the visitor's last message: quick further messages, and the last one's deadline reaches the desk", async () => {
    const { agent, desk } = await sut.agentAtDesk();
    const visitor = await sut.visitor('web_chat');
    const { conversationId } = await visitor.say('Bonjour');
    await desk.assigned(conversationId);
    await desk.send(conversationId, 'Bonjour !');
    await visitor.say('Une question');
    await visitor.say('Et une autre');
    const last = await visitor.say('Et une dernière');

    const due = new Date(Date.parse(last.createdAt) + RESPONSE_TIMEOUT_MS).toISOString();
    const shown = await desk.next(
      'conversation.updated',
      (p) => p.conversation.id === conversationId && p.conversation.deadlines.reassignAt === due,
      "the last message's R10 deadline",
    );
    expect(shown.conversation.deadlines).toEqual({ reassignAt: due });
    // A desk opened afterwards (another tab, a reconnect) shows the same deadline in desk.state.
    const again = await sut.desk(agent.token);
    expect(again.state.conversations.find((c) => c.id === conversationId)?.deadlines).toEqual({
      reassignAt: due,
    });
  });

  it('tags: add and remove answer the tags and update the desk view', async () => {
    const { agent, desk } = await sut.agentAtDesk();
    const visitor = await sut.visitor('mobile_app');
    const { conversationId } = await visitor.say('Bonjour');
    await desk.assigned(conversationId);

    expect(await desk.ask('conversation.tag.add', { conversationId, tag: 'vip' })).toEqual({
      ok: true,
      tags: ['vip'],
    });
    expect(await desk.ask('conversation.tag.add', { conversationId, tag: 'livraison 🚚' })).toEqual({
      ok: true,
      tags: ['vip', 'livraison 🚚'],
    });
    expect(await desk.ask('conversation.tag.add', { conversationId, tag: 'vip' })).toEqual({
      ok: true,
      tags: ['vip', 'livraison 🚚'],
    });
    const updated = await desk.next(
      'conversation.updated',
      (p) => p.conversation.id === conversationId && p.conversation.tags.length === 2,
    );
    expect(updated.conversation).toMatchObject({ channel: 'mobile_app', status: 'assigned' });
    expect(await desk.ask('conversation.tag.remove', { conversationId, tag: 'vip' })).toEqual({
      ok: true,
      tags: ['livraison 🚚'],
    });
    await desk.next(
      'conversation.updated',
      (p) => p.conversation.id === conversationId && p.conversation.tags.join() === 'livraison 🚚',
    );
    const again = await sut.desk(agent.token);
    expect(again.state.conversations.find((c) => c.id === conversationId)?.tags).toEqual(['livraison 🚚']);
  });
});
