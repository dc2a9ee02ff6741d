import { waitFor } from '@pupitre/shared/testing';
import { factory } from '../e2e/support/factories';
import type { Desk } from '../e2e/support/sockets';
import { startSystem, System } from '../e2e/support/system';

// R9 short enough that the R9 case sees its move, long enough that the other cases answer what they
// hold before R9 takes it away, even on a loaded machine (at 1.5 s a slow send lost that race).
const TIMEOUT_MS = 4000;

/**
 * The first `desk.state` while things change: the desk replaces its list with it, so a conversation
 * assigned, closed or written to during its reads must be neither wiped nor stale, and a conversation
 * it shows must be one its agent can answer (conversation's record names them).
 */
describe('desk.state built while conversations change', () => {
  let sut: System;
  beforeAll(async () => {
    sut = await startSystem({ FIRST_RESPONSE_TIMEOUT_MS: String(TIMEOUT_MS) });
  });
  afterEach(() => sut.reset());
  afterAll(() => sut?.stop());

  const answerable = async (desk: Desk, ids: Iterable<string>) => {
    for (const id of ids) expect(await desk.send(id, 'Bonjour')).toMatchObject({ ok: true });
  };

  it('every conversation queued before the desk opens is in desk.state or comes after it; none is lost', async () => {
    const queued: string[] = [];
    for (let i = 0; i < 4; i++)
      queued.push((await (await sut.visitor('web_chat')).say(`web ${i}`)).conversationId);
    const mobile = await sut.visitor('mobile_app');
    queued.push((await mobile.say('mobile')).conversationId);

    // desk.connect itself assigns the queue: assignments race the desk's first state.
    const { desk } = await sut.agentAtDesk(factory.agent({ chatCapacity: 4 }));
    await waitFor(() => queued.every((id) => desk.held().has(id)), {
      what: 'every queued conversation held',
    });
    // Nothing taken away: no unassigned/closed was heard, and each one is answerable.
    expect(desk.all('conversation.unassigned')).toEqual([]);
    expect(desk.all('conversation.closed')).toEqual([]);
    await answerable(desk, queued);
    // The desk's rooms are joined: a visitor message reaches it.
    const { messageId } = await mobile.say('encore');
    await desk.next('message.created', (p) => p.message.id === messageId);
  });

  it('a second desk of the agent lists what the first holds, each answerable, and hears its messages', async () => {
    const { agent, desk } = await sut.agentAtDesk(factory.agent({ chatCapacity: 3 }));
    const visitors = await Promise.all([0, 1, 2].map(() => sut.visitor('web_chat')));
    const ids = await Promise.all(visitors.map(async (v) => (await v.say('bonjour')).conversationId));
    await Promise.all(ids.map((id) => desk.holds(id)));
    const second = await sut.desk(agent.token);
    expect(second.state.conversations.map((c) => c.id).sort()).toEqual([...ids].sort());
    expect(second.state.conversations.every((c) => !('heldBy' in c))).toBe(true);
    await answerable(second, ids);
    const { messageId } = await visitors[0].say('encore');
    await second.next('message.created', (p) => p.message.id === messageId);
  });

  it('R9: after a move from A to B, every conversation on a desk.state of B is one B can answer', async () => {
    const ana = await sut.agentAtDesk();
    const visitor = await sut.visitor('web_chat');
    const { conversationId } = await visitor.say('Bonjour ?');
    await ana.desk.assigned(conversationId);
    const bob = await sut.agentAtDesk();

    // Bob opens desks while the move happens: none may list the conversation before conversation records it.
    const desks: Desk[] = [];
    await waitFor(
      async () => {
        const d = await sut.desk(bob.agent.token);
        desks.push(d);
        return d.state.conversations.some((c) => c.id === conversationId);
      },
      { what: "a desk.state of bob's listing the moved conversation" },
    );
    const listing = desks[desks.length - 1];
    await waitFor(() => !ana.desk.held().has(conversationId), { what: 'taken from ana' });
    await answerable(listing, [conversationId]);
    expect(await listing.ask('conversation.close', { conversationId })).toEqual({ ok: true });
  });
});
