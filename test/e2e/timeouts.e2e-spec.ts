import { waitFor } from '@pupitre/shared/testing';
import { ISO_TIME } from './support/expectations';
import { startSystem, System } from './support/system';

const TIMEOUT_MS = 1500;
/** CONTRACT.md: a deadline is acted on within 2 seconds of falling due; the rest is delivery slack. */
const ACTED_WITHIN_MS = 2000 + 1500;

/**
 * R9–R11 with short durations (their own system). Each test closes what it opened, so nothing
 * times out into the next test.
 */
describe('timeouts (e2e)', () => {
  let sut: System;
  beforeAll(async () => {
    sut = await startSystem({
      FIRST_RESPONSE_TIMEOUT_MS: String(TIMEOUT_MS),
      RESPONSE_TIMEOUT_MS: String(TIMEOUT_MS),
      INACTIVITY_CLOSE_MS: String(TIMEOUT_MS),
    });
  });
  afterEach(() => sut.reset());
  afterAll(() => sut?.stop());

  it('R9: no reply within the first-response time: taken from the agent and given to another', async () => {
    const ana = await sut.agentAtDesk();
    const visitor = await sut.visitor('web_chat');
    const { conversationId } = await visitor.say('Bonjour ?');
    const assigned = await ana.desk.assigned(conversationId);
    const bob = await sut.agentAtDesk();

    const taken = await ana.desk.next('conversation.unassigned', (p) => p.conversationId === conversationId);
    const heardAt = Date.now();

    expect(taken).toEqual({ conversationId, reason: 'first_response_timeout' });
    expect(heardAt - Date.parse(assigned.deadlines.reassignAt!)).toBeLessThan(ACTED_WITHIN_MS);
    const moved = await bob.desk.assigned(conversationId);
    expect(moved.deadlines.reassignAt).toMatch(ISO_TIME);
    expect(await bob.desk.send(conversationId, 'Je prends le relais')).toMatchObject({ ok: true });
    expect(await bob.desk.ask('conversation.close', { conversationId })).toEqual({ ok: true });
  });

  it('R10: the visitor wrote again and the agent stays silent: taken away (response_timeout)', async () => {
    const ana = await sut.agentAtDesk();
    const visitor = await sut.visitor('mobile_app');
    const { conversationId } = await visitor.say('Bonjour ?');
    await ana.desk.assigned(conversationId);
    await ana.desk.send(conversationId, 'Bonjour !');
    await visitor.say('Et donc ?');
    const bob = await sut.agentAtDesk();

    expect(
      await ana.desk.next('conversation.unassigned', (p) => p.conversationId === conversationId),
    ).toEqual({
      conversationId,
      reason: 'response_timeout',
    });
    await bob.desk.assigned(conversationId);
    expect(await bob.desk.ask('conversation.close', { conversationId })).toEqual({ ok: true });
  });

  it('R11 + R14: the agent wrote last and the visitor stayed silent: closed for inactivity, the writer paid', async () => {
    const { agent, desk } = await sut.agentAtDesk();
    const visitor = await sut.visitor('mobile_app');
    const device = await visitor.socket();
    const { conversationId } = await visitor.say('Bonjour');
    await desk.assigned(conversationId);
    const last = await desk.send(conversationId, 'Autre chose ?');

    const closed = { conversationId, reason: 'inactivity' };
    expect(await desk.next('conversation.closed', (p) => p.conversationId === conversationId)).toEqual(
      closed,
    );
    expect(await device.next('conversation.closed')).toEqual(closed);
    expect((await visitor.conversations())[0]).toMatchObject({ status: 'closed', closeReason: 'inactivity' });
    const paid = await waitFor(
      async () => (await sut.admin.remunerations({ agentId: agent.id })).body.items[0],
    );
    expect(paid).toMatchObject({
      conversationId,
      closeReason: 'inactivity',
      lastAgentMessageId: last.messageId,
      amountMinor: 150,
    });
  });

  it('R11: a released conversation is closed for inactivity too', async () => {
    const { desk } = await sut.agentAtDesk();
    const visitor = await sut.visitor('web_chat');
    const device = await visitor.socket();
    const { conversationId } = await visitor.say('Bonjour');
    await desk.assigned(conversationId);
    await desk.send(conversationId, 'Je reviens vers vous');
    expect(await desk.ask('conversation.release', { conversationId })).toEqual({ ok: true });

    expect(await device.next('conversation.closed')).toEqual({ conversationId, reason: 'inactivity' });
    const next = await visitor.say('Me revoilà');
    expect(next.conversationId).not.toBe(conversationId);
    await desk.assigned(next.conversationId);
    expect(await desk.send(next.conversationId, 'Bonjour')).toMatchObject({ ok: true });
    expect(await desk.ask('conversation.close', { conversationId: next.conversationId })).toEqual({
      ok: true,
    });
  });
});
