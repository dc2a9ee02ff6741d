import type { Message } from '@pupitre/shared';
import { factory } from '../e2e/support/factories';
import type { Ack, Desk } from '../e2e/support/sockets';
import { startSystem, System } from '../e2e/support/system';

type Targets = Omit<Ack, 'items'> & { items: { id: string; name: string }[] };
type History = Omit<Ack, 'items'> & { items: Message[]; nextCursor?: string };

const targetsOf = (desk: Desk, conversationId: string) =>
  desk.ask('agents.transferTargets', { conversationId }) as Promise<unknown> as Promise<Targets>;
const historyOf = (desk: Desk, payload: object) =>
  desk.ask('conversation.history', payload) as Promise<unknown> as Promise<History>;

/**
 * CONTRACT "Additions (v1.1)": the desk commands `agents.transferTargets` and `conversation.history`,
 * on the raw desk socket.
 */
describe('desk commands added in v1.1', () => {
  let sut: System;

  beforeAll(async () => {
    sut = await startSystem();
  });
  afterEach(() => sut.reset());
  afterAll(async () => {
    await sut?.stop();
  });

  it('agents.transferTargets lists the agents who could take a web chat now, and transfer to one works', async () => {
    const { desk: a } = await sut.agentAtDesk(factory.agent({ name: 'Alice' }));
    const web = await (await sut.visitor('web_chat')).say('bonjour');
    const mobile = await (await sut.visitor('mobile_app')).say('salut');
    await a.holds(web.conversationId);
    await a.holds(mobile.conversationId);

    const { agent: bob, desk: b } = await sut.agentAtDesk(factory.agent({ name: 'Bob' }));
    const { desk: away } = await sut.agentAtDesk(factory.agent({ name: 'Away' }));
    expect(await away.ask('agent.status', { status: 'away' })).toMatchObject({ ok: true });
    await sut.agentAtDesk(factory.agent({ name: 'No chat slot', chatCapacity: 0 }));
    await sut.admin.createAgent(factory.agent({ name: 'Offline' }));

    const targets = await targetsOf(a, web.conversationId);
    expect(targets).toEqual({ ok: true, items: [{ id: bob.id, name: 'Bob' }] });

    expect(await targetsOf(a, mobile.conversationId)).toMatchObject({
      ok: false,
      error: { code: 'FEATURE_UNAVAILABLE_ON_CHANNEL' },
    });
    expect(await targetsOf(b, web.conversationId)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await targetsOf(a, 'not-a-uuid')).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED' },
    });

    expect(
      await a.ask('conversation.transfer', { conversationId: web.conversationId, toAgentId: bob.id }),
    ).toEqual({ ok: true });
    await b.holds(web.conversationId);
    // Bob now holds it: Alice is a target for him (she has free chat slots again).
    const back = await targetsOf(b, web.conversationId);
    expect(back.items.map((t) => t.name)).toEqual(['Alice']);
  });

  it('conversation.history pages back through older messages, oldest first, for the holder only', async () => {
    const { desk } = await sut.agentAtDesk();
    const visitor = await sut.visitor('web_chat');
    const first = await visitor.say('message 1');
    await desk.holds(first.conversationId);
    for (let i = 2; i <= 60; i++) await visitor.say(`message ${i}`);
    const conversationId = first.conversationId;

    const latest = await historyOf(desk, { conversationId });
    expect(latest.ok).toBe(true);
    expect(latest.items.map((m) => m.text)).toEqual(
      Array.from({ length: 50 }, (_, i) => `message ${i + 11}`),
    );
    expect(latest.nextCursor).toBe(latest.items[0].id);

    const older = await historyOf(desk, { conversationId, before: latest.nextCursor, limit: 200 });
    expect(older.items.map((m) => m.text)).toEqual(Array.from({ length: 10 }, (_, i) => `message ${i + 1}`));
    expect(older.items[0]).toMatchObject({ conversationId, author: { type: 'visitor', id: visitor.id } });
    expect(older.nextCursor).toBeUndefined();

    const one = await historyOf(desk, { conversationId, before: older.items[5].id, limit: 1 });
    expect(one.items.map((m) => m.text)).toEqual(['message 5']);
    expect(one.nextCursor).toBe(one.items[0].id);

    const { desk: other } = await sut.agentAtDesk();
    expect(await historyOf(other, { conversationId })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    const unknownCursor = { conversationId, before: '7a1e2b3c-4d5e-4f60-8a7b-8c9d0e1f2a3b' };
    expect(await historyOf(desk, unknownCursor)).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED' },
    });
    expect(await historyOf(desk, { conversationId, limit: 201 })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED' },
    });
  });
});
